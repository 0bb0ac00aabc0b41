"""Every wait is bounded: a request that cannot get its locks in time, or outlives its deadline, answers 503
with Retry-After and changes nothing; /health never waits on a lock; a lost connection is retried once."""

import os
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text

from app.store.tables import CaseEvent, Task
from tests.support.dibao_steps import Case, accept_variables

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@contextmanager
def held(app, statements: list[str], release_after: float = 15.0):
    """Hold locks from a connection of its own (SQLite: the write lock); release on leaving, or after a delay
    (which also bounds the test if the service waited without limit)."""
    engine = create_engine(app.config["DATABASE_URL"])
    conn = engine.connect()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.begin()
        for statement in statements:
            conn.execute(text(statement))
    timer = threading.Timer(release_after, conn.rollback)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        conn.rollback()
        conn.close()
        engine.dispose()


def _events(runtime, case_id: str) -> int:
    with runtime.reading() as uow:
        return uow.session.scalar(select(func.count()).where(CaseEvent.process_instance_id == case_id))


def _open(runtime, task_id: str) -> bool:
    with runtime.reading() as uow:
        return uow.session.get(Task, task_id) is not None


@pytest.mark.fault("held table lock")
def test_a_command_that_cannot_get_its_locks_answers_503_and_changes_nothing(app, runtime, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    before = _events(runtime, case.id)
    with held(app, [f"SELECT 1 FROM process_instance WHERE id = '{case.id}' FOR UPDATE"]):
        began = time.monotonic()
        response = login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": accept_variables()})
        waited = time.monotonic() - began
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit(), response.json
    assert response.json["type"] == "ServiceUnavailableException" and response.json["message"]
    assert waited < 10
    assert _open(runtime, task["id"]) and _events(runtime, case.id) == before
    case.accept()  # once the lock is gone, the same command goes through


@pytest.mark.fault("held table lock")
def test_a_command_whose_client_has_gone_is_not_committed(app, runtime, login_as, clock, monkeypatch):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    before = _events(runtime, case.id)
    monkeypatch.setitem(app.config, "REQUEST_DEADLINE_SECONDS", 1.0)
    # the lock goes after 1.5 s, within the lock timeout: the command then could commit, but its 1 s are over
    with held(app, [f"SELECT 1 FROM process_instance WHERE id = '{case.id}' FOR UPDATE"], release_after=1.5):
        response = login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": accept_variables()})
    assert response.status_code == 503 and "REQUEST_DEADLINE_SECONDS" in response.json["message"], response.json
    assert _open(runtime, task["id"]) and _events(runtime, case.id) == before


def test_the_front_s_arrival_time_counts_against_the_deadline(runtime, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    window = login_as("window_cg")
    window.headers["X-Request-Start"] = f"t={int((time.time() - 3600) * 1000)}"  # queued an hour ago, in ms
    response = window.post(f"/task/{task['id']}/complete", {"variables": accept_variables()})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert _open(runtime, task["id"])
    window.headers["X-Request-Start"] = f"t={time.time():.3f}"  # just now, in seconds
    assert window.post(f"/task/{task['id']}/complete", {"variables": accept_variables()}).status_code == 204


@pytest.mark.fault("held table lock")
@pytest.mark.skipif(not ON_POSTGRESQL, reason="table locks that other sessions wait on are PostgreSQL's")
def test_health_readiness_and_the_inbox_answer_while_a_table_is_locked(app, login_as, client):
    Case(login_as)
    with held(app, ["LOCK TABLE job, event_subscription IN ACCESS EXCLUSIVE MODE"]):
        began = time.monotonic()
        assert client.get("/health").status_code == 200
        assert time.monotonic() - began < 1.0
        # a request that waited on the lock would meet the lock timeout: a 503, not these answers
        assert client.get("/ready").status_code == 200
        assert login_as("investigator_cg").get("/task", candidateGroup="investigator", maxResults=50).status_code == 200
        began = time.monotonic()
        jobs = login_as("supervisor").get("/job", maxResults=5)
        assert jobs.status_code == 503 and time.monotonic() - began < 10, jobs.json


@pytest.mark.fault("terminated connections")
@pytest.mark.skipif(not ON_POSTGRESQL, reason="terminates the service's PostgreSQL sessions")
def test_a_lost_database_connection_is_retried_once_not_a_500(app, runtime, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    admin = create_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    assert killed >= 1
    response = login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": accept_variables()})
    assert response.status_code == 204, response.json
    assert not _open(runtime, task["id"])
