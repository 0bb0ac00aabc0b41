"""Extensions created without an app; `init_app` binds them. `runtime()` reads the one the app holds."""

from flask import current_app
from flask_migrate import Migrate

from app.domain.audit import AuditKeys
from app.services.runtime import Runtime

migrate = Migrate()


def runtime() -> Runtime:
    """The service runtime (session factory and calendars) of the current app."""
    return current_app.extensions["runtime"]


def audit_keys() -> AuditKeys:
    """The audit key that signs (AUDIT_KEY) and those it replaced (AUDIT_KEYS_RETIRED), of the current app."""
    config = current_app.config
    current = config["AUDIT_KEY"]
    return AuditKeys(current.encode(), tuple(k.encode() for k in dict.fromkeys(config.get("AUDIT_KEYS_RETIRED", ()))
                                             if k != current))
