"""The app factory: config, extensions, blueprints, commands, scheduler."""

from pathlib import Path

from flask import Flask

from .config import Config


def create_app(config: Config | None = None) -> Flask:
    """Create the service; tests pass their own Config."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.config.from_object(config or Config())
    app.json.ensure_ascii = False
    Path(app.instance_path).mkdir(exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    if not app.config.get("TESTING"):
        from .scheduler import start_scheduler

        start_scheduler(app)
    return app


def register_extensions(app: Flask) -> None:
    from .extensions import migrate
    from .services.calendar import current_calendar
    from .services.runtime import Runtime
    from .store.db import make_engine, make_session_factory

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["runtime"] = Runtime(make_session_factory(engine), current_calendar)
    migrate.init_app(app, db=None, directory=str(Path(__file__).parent.parent / "migrations"))


def register_blueprints(app: Flask) -> None:
    from .api import register_api
    from .api.errors import register_error_handlers

    register_api(app)
    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
