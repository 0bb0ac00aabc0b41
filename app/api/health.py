"""/health (the process answers) and /ready (the database answers and its schema is current)."""

from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import runtime

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).parent.parent.parent / "migrations"


@bp.get("/health")
def health():
    return jsonify({"status": "UP"})


@bp.get("/ready")
def ready():
    """Answer 200 only when the database is reachable and migrated to the newest revision."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with runtime().reading() as uow:  # a probe every few seconds must not roll back a pooled connection
            current = uow.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as err:  # any database failure means "not ready"; the reason is reported
        return jsonify({"status": "DOWN", "database": type(err).__name__}), 503
    status = 200 if current == head else 503
    return jsonify({"status": "UP" if status == 200 else "DOWN", "schema": current, "expected": head}), status
