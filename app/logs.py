"""Logging in one place: JSON lines in production (LOG_FORMAT=json), one line per request, with its id.

Each line carries time, level, logger, message and, inside a request, request_id, user,
method and path; the request line adds status and duration_ms. The request id is taken
from X-Request-Id when a proxy sets one, and returned in that header.
"""

import json
import logging
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_FIELDS = ("request_id", "user", "method", "path", "status", "duration_ms")
access_log = logging.getLogger("app.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({k: getattr(record, k) for k in REQUEST_FIELDS if getattr(record, k, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RequestContext(logging.Filter):
    """Add the request's id, user, method and path to every record logged while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            actor = g.get("actor")
            record.request_id = g.get("request_id")
            record.user = getattr(actor, "username", None)
            record.method, record.path = request.method, request.path
        return True


def init_logging(app: Flask) -> None:
    """Configure the root logger from LOG_FORMAT / LOG_LEVEL, the engine's from ENGINE_LOG_LEVEL; log every request."""
    logging.getLogger("spiff").setLevel(app.config.get("ENGINE_LOG_LEVEL", "WARNING"))
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestContext())
        root = logging.getLogger()
        root.handlers = [h for h in root.handlers if not isinstance(h.formatter, JsonFormatter)] + [handler]
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_begin)
    app.after_request(_end)


def _begin() -> None:
    g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    g.log_started = time.perf_counter()


def _end(response):
    started = g.pop("log_started", None)
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if started is not None:
        access_log.info("%s %s %s", request.method, request.path, response.status_code,
                        extra={"status": response.status_code,
                               "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
    return response
