"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
the app, an HTTP client, a movable clock, and helpers that act as demo users."""

import base64
import os
import shutil
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.cli import DEPLOYED_FOLDERS, deploy_directory
from app.config import Config
from app.domain import clock as clock_module
from app.services.users import forget_credentials, load_demo

PASSWORD = "demo123"
ROOT = Path(__file__).parent.parent


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    name = f"assistance_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(make_url(url).set(database=name).render_as_string(hide_password=False))


def _drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _service(url: str, secret: str = "test"):
    """The service on the database at `url`, as tests run it: no scheduler."""
    return create_app(Config(DATABASE_URL=url, SECRET_KEY=secret, TESTING=True, SCHEDULER=False))


def service_app(url: str, secret: str):
    """The service on a fresh database at `url`: migrated, demo organisation loaded, workflows/ and forms/ deployed."""
    app = _service(url, secret)
    with app.app_context():
        upgrade()
        load_demo(app.extensions["runtime"], PASSWORD)
        _without_linshi_spot_checks(app.extensions["runtime"])
        deploy_directory(app.extensions["runtime"], *DEPLOYED_FOLDERS)
    return app


def _without_linshi_spot_checks(rt) -> None:
    """The demo county draws 30 % of its township's 临时救助 approvals for a county spot check before payment, by a
    hash of the case: the walks, whose case ids are new each run, would take that path at random. The suite's
    county draws none; tests/e2e/test_delegation.py sets the share it tests."""
    from app.store.tables import CountySetting, OrgUnit

    with rt.unit_of_work() as uow:
        county = uow.session.scalar(select(OrgUnit.path).where(OrgUnit.code == "sfx"))
        uow.session.merge(CountySetting(county_path=county, key="linshi_spot_check_share", value={"value": 0.0}))
        uow.commit()


@pytest.fixture(scope="session")
def _prepared_database(tmp_path_factory):
    """One database per test process, migrated, with the demo organisation and workflows/ deployed: the template
    each test module's database is copied from."""
    url = _database_url(tmp_path_factory)
    _close(service_app(url, "test"))
    yield url
    _drop_database(url)


def _copy_of(template: str, tmp_path_factory) -> str:
    """A new database holding what `template` holds: a file copy on SQLite, CREATE DATABASE … TEMPLATE on
    PostgreSQL."""
    source = make_url(template)
    if not template.startswith("postgresql"):
        copy = tmp_path_factory.mktemp("db") / "test.sqlite3"
        shutil.copyfile(source.database, copy)
        return f"sqlite:///{copy}"
    name = f"assistance_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
    admin.dispose()
    return str(source.set(database=name).render_as_string(hide_password=False))


@pytest.fixture(scope="module")
def app(_prepared_database, tmp_path_factory):
    """The service on a database of the module's own, so that no module sees what another left."""
    url = _copy_of(_prepared_database, tmp_path_factory)
    app = _service(url)
    yield app
    _close(app, wait=False)  # the database is dropped WITH (FORCE): no need to wait for the listener to hang up
    _drop_database(url)


def _close(app, wait: bool = True) -> None:
    """Let go of every connection the app holds: its listener's and its pool's."""
    app.extensions["runtime"].broadcast.stop(wait)
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def live_url(app):
    """Serve the module's app (and its database) on a free port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def runtime(app):
    return app.extensions["runtime"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Clock:
    """A movable clock: tests set and advance the service's time."""

    def __init__(self, start: datetime):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock():
    # 2026-09-28 10:00 Beijing time: a Monday before the 国庆 holiday.
    fake = Clock(datetime(2026, 9, 28, 2, 0, tzinfo=UTC))
    clock_module.set_source(fake)
    yield fake
    clock_module.set_source(None)


class Api:
    """The engine API as one demo user sees it."""

    def __init__(self, client, username: str):
        self.client = client
        token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def get(self, path: str, **params):
        return self.client.get(f"/engine-rest{path}", query_string=params, headers=self.headers)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(f"/engine-rest{path}", json=json, headers=self.headers, **kwargs)

    def put(self, path: str, json=None):
        return self.client.put(f"/engine-rest{path}", json=json, headers=self.headers)

    def delete(self, path: str):
        return self.client.delete(f"/engine-rest{path}", headers=self.headers)


@pytest.fixture
def login_as(client):
    forget_credentials()
    return lambda username: Api(client, username)


def typed(**values) -> dict:
    """Camunda typed variables from plain values."""
    out = {}
    for name, value in values.items():
        kind = {bool: "Boolean", int: "Integer", float: "Double", list: "Json"}.get(type(value), "String")
        out[name] = {"value": value if kind != "Json" else __import__("json").dumps(value), "type": kind}
    return out
