"""Extensions created without an app; `init_app` binds them. `runtime()` reads the one the app holds."""

from flask import current_app
from flask_migrate import Migrate

from app.services.runtime import Runtime

migrate = Migrate()


def runtime() -> Runtime:
    """The service runtime (session factory and calendars) of the current app."""
    return current_app.extensions["runtime"]
