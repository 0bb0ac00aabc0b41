"""The app factory: config, extensions, blueprints, commands. The timer scheduler starts in app/wsgi.py only."""

from pathlib import Path

from flask import Flask

from .config import INSTANCE, Config
from .engine import spiff_compat
from .security import BoundedIntConverter, init_security
from .serving import Service, init_serving


def create_app(config: Config | None = None) -> Flask:
    """Create the service; tests pass their own Config."""
    spiff_compat.install()  # refuses to start on a SpiffWorkflow version the engine was not tested with
    app = Service(__name__, instance_path=str(INSTANCE))
    app.config.from_object(config or Config())
    app.url_map.converters["int"] = BoundedIntConverter
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # Camunda keeps its field order; sorting every response costs CPU for nothing
    Path(app.instance_path).mkdir(exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    init_security(app)
    init_serving(app)
    register_observability(app)
    return app


def register_extensions(app: Flask) -> None:
    from .engine.timer_checks import set_min_cycle
    from .extensions import migrate
    from .services.calendar import current_calendar
    from .services.case_data import DEFINITIONS, forget_marks
    from .services.runtime import Runtime
    from .services.users import CREDENTIALS, forget_credentials
    from .store.broadcast import EVERYTHING, Broadcast
    from .store.db import DatabaseLimits, make_engine, make_session_factory
    from .store.tenancy import name_the_county

    set_min_cycle(app.config.get("TIMER_MIN_CYCLE_SECONDS", 60))
    engine = make_engine(app.config["DATABASE_URL"], DatabaseLimits.from_settings(app.config))
    app.extensions["db_engine"] = engine
    sessions = make_session_factory(engine)
    name_the_county(sessions)
    broadcast = Broadcast(engine, sessions)
    app.extensions["runtime"] = Runtime(sessions, current_calendar, broadcast)
    broadcast.subscribe(CREDENTIALS, forget_credentials)
    broadcast.subscribe(DEFINITIONS, forget_marks)
    forget_marks(EVERYTHING)  # the marks an earlier app of this process read were another database's
    broadcast.start()  # PostgreSQL: hear other processes' changes (calendars, credentials, external tasks, deployments)
    migrate.init_app(app, db=None, directory=str(Path(__file__).parent.parent / "migrations"))


def register_blueprints(app: Flask) -> None:
    from .api import register_api
    from .api.errors import register_error_handlers
    from .web import register_web

    register_api(app)
    register_error_handlers(app)
    register_web(app)


def register_observability(app: Flask) -> None:
    from .logs import init_logging
    from .metrics import init_metrics

    init_logging(app)
    init_metrics(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
