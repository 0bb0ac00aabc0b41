"""A fresh PostgreSQL database for one harness run: dropped, created, migrated, demo loaded, deployed."""

import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/assistance_bench"


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def recreate(url: str) -> None:
    """Drop and create the database named in `url`."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def bench_app(url: str):
    """The service app on the bench database, scheduler off (the harness drives it); its bulk loads of millions of
    rows run without the service's statement and idle-transaction time limits."""
    from app import create_app
    from app.config import Config

    return create_app(Config(DATABASE_URL=url, SECRET_KEY="bench", DEMO=True, SCHEDULER=False,
                             DB_STATEMENT_TIMEOUT_MS=0, DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=0))


def prepare(url: str):
    """Recreate, migrate, load the demo organisation, deploy workflows/, forms/ and the bench timer."""
    from flask_migrate import upgrade

    from app.domain.actors import SYSTEM
    from app.services.deploy import deploy
    from app.services.users import load_demo

    recreate(url)
    app = bench_app(url)
    with app.app_context():
        upgrade()
        load_demo(app.extensions["runtime"], "demo123")
        deploy(app.extensions["runtime"], SYSTEM, "bench", _files(), source="bench")
    return app


def _files() -> dict[str, bytes]:
    """Every workflow and form (as `flask deploy`), and the bench's re-check timer process."""
    paths = [*sorted((ROOT / "workflows").iterdir()), *sorted((ROOT / "forms").iterdir()),
             *sorted((ROOT / "notices").iterdir()), ROOT / "bench" / "workflows" / "recheck.bpmn"]
    return {p.name: p.read_bytes() for p in paths if p.suffix in (".bpmn", ".dmn", ".form", ".notice")}


def analyze(url: str) -> None:
    """Renew the statistics of every table, as autovacuum would on a production server: this machine's PostgreSQL
    runs with autovacuum off, and a fresh database's tables without statistics get plans that read the inbox's
    candidate rows once per task (57 ms for a Tasklist page of 15 among 500 open tasks instead of 1)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
