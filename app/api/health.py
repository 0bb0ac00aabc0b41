"""/health: liveness, the process answers (no database, no lock); /ready: readiness, the database answers
within READY_TIMEOUT_MS, its schema is current and (PostgreSQL) the process hears other processes' changes."""

from functools import cache
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.domain.errors import DomainError
from app.extensions import runtime

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).parent.parent.parent / "migrations"


@bp.get("/health")
def health():
    """Answer while the process lives: nothing here waits on the database or on a lock a command holds."""
    return jsonify({"status": "UP"})


@bp.get("/ready")
def ready():
    """Answer 200 only when the database answers quickly and is migrated to the newest revision, and this process
    hears the changes other processes announce (a process that cannot would serve what its caches kept)."""
    if not runtime().broadcast.listening:
        return jsonify({"status": "DOWN", "listener": "not listening for other processes' changes"}), 503
    head = _head()
    try:
        with runtime().reading() as uow:  # a probe every few seconds must not roll back a pooled connection
            if uow.session.bind.dialect.name == "postgresql":
                limit = int(current_app.config["READY_TIMEOUT_MS"])
                uow.session.execute(text(f"SET LOCAL statement_timeout = {limit}"))
                uow.session.execute(text(f"SET LOCAL lock_timeout = {limit}"))
            current = uow.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (DomainError, SQLAlchemyError) as err:  # any database failure means "not ready"; the reason is reported
        cause = err.__cause__ if isinstance(err, DomainError) and err.__cause__ else err
        return jsonify({"status": "DOWN", "database": type(cause).__name__}), 503
    status = 200 if current == head else 503
    return jsonify({"status": "UP" if status == 200 else "DOWN", "schema": current, "expected": head}), status


@cache
def _head() -> str | None:
    """The newest migration (the files do not change while the process runs)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
