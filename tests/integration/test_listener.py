"""A process that cannot hear other processes' changes knows it (PostgreSQL): a listening connection that dies
without a word is found by a round trip within seconds, the caches that depend on it are dropped, `/ready` says the
process is not ready (so the front sends it nothing), long polls fall back to reading the database, and the
listener is back within a second or two of the connection working again."""

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from app import create_app
from app.config import Config
from app.store.broadcast import EVERYTHING, PING_SECONDS, PING_TIMEOUT_SECONDS, Broadcast
from tests.conftest import Api
from tests.support.deployments import deploy_fixture
from tests.support.external_tasks import TOPIC, reach_check, start_message_wait
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="the broadcast crosses processes on PostgreSQL only")


def _until(condition, seconds: float, what: str) -> float:
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, f"{what} not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - began


def test_a_listening_connection_that_dies_without_a_word_is_found_lost_and_listens_again(app):
    url = make_url(app.config["DATABASE_URL"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    engine = create_engine(url.set(host="127.0.0.1", port=proxy.port))
    broadcast, heard = Broadcast(engine, sessionmaker(engine)), []
    broadcast.subscribe("calendar", heard.append)
    try:
        broadcast.start()
        _until(broadcast.connected.is_set, 10, "listening")
        proxy.black_hole()
        lost = _until(lambda: not broadcast.listening, PING_SECONDS + PING_TIMEOUT_SECONDS + 2, "the loss found")
        assert heard == [EVERYTHING], "the caches were not told at once that anything may have changed"
        proxy.restore()
        _until(broadcast.connected.is_set, 10, "listening again")
        assert heard == [EVERYTHING, EVERYTHING]  # and once more: what was announced meanwhile is lost
        print(f"lost after {lost:.1f} s")
    finally:
        broadcast.stop()
        engine.dispose()
        proxy.close()


def test_ready_is_503_naming_the_listener_while_the_process_is_not_listening(app, client):
    broadcast = app.extensions["runtime"].broadcast
    assert client.get("/ready").status_code == 200
    broadcast.stop()
    try:
        answer = client.get("/ready")
        assert answer.status_code == 503 and "listener" in answer.json, answer.json
    finally:
        broadcast.start()
        _until(broadcast.connected.is_set, 10, "listening again")
    assert client.get("/ready").status_code == 200


def test_a_long_poll_on_a_process_not_listening_is_answered_when_another_process_makes_a_task(app, client):
    deploy_fixture(Api(client, "designer"), "message_wait.bpmn")
    login_as = lambda username: Api(client, username)  # noqa: E731
    case = start_message_wait(login_as, f"LP-{uuid.uuid4().hex[:8]}")
    other = create_app(Config(DATABASE_URL=app.config["DATABASE_URL"], SECRET_KEY="other", TESTING=True,
                              SCHEDULER=False))
    broadcast = app.extensions["runtime"].broadcast
    broadcast.stop()  # this process hears nothing of what `other` does
    out: dict = {}

    def poll() -> None:
        began = time.monotonic()
        out["tasks"] = Api(app.test_client(), "verifier").post("/external-task/fetchAndLock", {
            "workerId": "w1", "maxTasks": 1, "asyncResponseTimeout": 20000,
            "topics": [{"topicName": TOPIC, "lockDuration": 60000}]}).json
        out["seconds"] = time.monotonic() - began

    try:
        waiter = threading.Thread(target=poll)
        waiter.start()
        time.sleep(0.5)
        reach_check(lambda username: Api(other.test_client(), username), case)  # the task is made by `other`
        waiter.join(timeout=30)
        assert [t["processInstanceId"] for t in out["tasks"]] == [case]
        assert out["seconds"] < 5, out  # read within a poll, not at the long poll's end (20 s)
    finally:
        other.extensions["runtime"].broadcast.stop()
        other.extensions["db_engine"].dispose()
        broadcast.start()
        _until(broadcast.connected.is_set, 10, "listening again")
