"""How each request is served when the database is slow or failing: a deadline, one retry, an honest 503.

Every request has a deadline, REQUEST_DEADLINE_SECONDS after it reached the front (its
`X-Request-Start`, set by the front, can only shorten it) or the service; a command past it is not
committed (app/store/scope.py). A request that met a transient database failure before anything
committed (a deadlock, a serialization failure, a connection lost before COMMIT) runs once more;
every database failure that is no fault of the request answers 503 with Retry-After, never 500.
"""

import logging
import time

from flask import Flask, Response, current_app, request
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix

from app.domain.errors import Unavailable
from app.store.failures import unavailable
from app.store.scope import begin_scope, current_scope, end_scope

log = logging.getLogger(__name__)
RETRIES = Counter("assistance_request_retries_total", "Requests run a second time after a transient database failure")
# a long poll waits up to its asyncResponseTimeout (at most LONG_POLL_MAX_MS) before it answers
LONG_POLLS = {"engine_rest.external_task.fetch_and_lock"}


class Service(Flask):
    """Flask, with a request run once more after a transient database failure where that is safe."""

    def dispatch_request(self):
        scope = current_scope()
        if scope is not None:  # what the request's hooks committed (sign-in counting) is not the view's command
            scope.commits = 0
        try:
            return super().dispatch_request()
        except Unavailable as err:
            if not err.retryable or scope is None or not scope.may_retry():
                raise
            log.warning("running the request again after: %s", err.message)
            RETRIES.inc()
            for upload in request.files.values():  # the first run read them
                upload.stream.seek(0)
            return super().dispatch_request()


def init_serving(app: Flask) -> None:
    """Deadlines and database failures for every request; the client's address from a trusted front."""
    app.before_request(_begin)
    app.teardown_request(lambda _exc: end_scope())
    app.register_error_handler(DBAPIError, _database_failure)
    app.register_error_handler(PoolTimeout, _database_failure)
    if app.config["FORWARDED_HOPS"]:  # behind the front, the client is the address it forwards
        hops = app.config["FORWARDED_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _begin() -> None:
    limit = current_app.config["REQUEST_DEADLINE_SECONDS"]
    if request.endpoint in LONG_POLLS:
        limit += current_app.config["LONG_POLL_MAX_MS"] / 1000
    begin_scope(time.monotonic() + limit - _waited_at_front())


def _waited_at_front() -> float:
    """Seconds since the front received the request (`X-Request-Start: t=<epoch s, ms or µs>`), else 0."""
    value = request.headers.get("X-Request-Start", "").removeprefix("t=")
    try:
        started = float(value)
    except ValueError:
        return 0.0
    while started > 1e11:  # milliseconds or microseconds since the epoch
        started /= 1000
    return max(0.0, time.time() - started)


def _database_failure(err: Exception) -> Response:
    """A database failure met outside a unit of work: a 503 if transient, else the defect it is (500)."""
    failure = unavailable(err)
    if failure is None:
        log.exception("database failure", exc_info=err)
        return Response('{"type": "ProcessEngineException", "message": "内部错误"}', 500,
                        content_type="application/json")
    return current_app.handle_user_exception(failure)
