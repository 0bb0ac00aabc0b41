"""Structured logs: one JSON line per request with its id, user, method, path, status and duration."""

import io
import json
import logging

from app import create_app
from app.config import Config
from app.logs import JsonFormatter, RequestContext


def capture(name: str = "app.request") -> tuple[logging.Logger, logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, handler, stream


def test_each_request_is_one_json_line_with_its_id_user_status_and_duration(login_as):
    logger, handler, stream = capture()
    try:
        api = login_as("window_cg")
        api.headers["X-Request-Id"] = "req-42"
        response = api.get("/task", maxResults=1)
    finally:
        logger.removeHandler(handler)
    assert response.headers["X-Request-Id"] == "req-42"
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "req-42" and line["user"] == "window_cg"
    assert line["method"] == "GET" and line["path"] == "/engine-rest/task" and line["status"] == 200
    assert line["level"] == "INFO" and line["logger"] == "app.request" and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")


def test_a_request_without_an_id_gets_one(client):
    first, second = client.get("/health"), client.get("/health")
    assert len(first.headers["X-Request-Id"]) == 32 and first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_production_mode_writes_json_lines_from_every_logger(app):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        create_app(Config(DATABASE_URL=app.config["DATABASE_URL"], SECRET_KEY="test", TESTING=True, SCHEDULER=False,
                          LOG_FORMAT="json", LOG_LEVEL="WARNING"))
        ours = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(ours) == 1 and root.level == logging.WARNING
        stream = io.StringIO()
        ours[0].setStream(stream)
        logging.getLogger("app.scheduler").warning("timer poll failed")
        assert json.loads(stream.getvalue())["message"] == "timer poll failed"
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_the_engine_logs_warnings_but_not_each_task_state_change(login_as):
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        api = login_as("window_cg")
        started = api.post("/process-definition/key/dibao/start", {"businessKey": "LOG-1"})
        assert started.status_code == 200, started.json
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert "State changed to" not in stream.getvalue()
    assert logging.getLogger("spiff.task").getEffectiveLevel() == logging.WARNING
