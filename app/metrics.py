"""Prometheus metrics at /metrics: request latency, task completions, timers fired, timer lag, open incidents,
and the CPU the workflow engine took (of requests and of the scheduler's polls).

Services stay free of Prometheus: completions and fired timers are read from the one
`case_event` every command appends (listed in `session.info` by app/services/projection.py),
counted when its transaction commits. Under gunicorn,
PROMETHEUS_MULTIPROC_DIR (set by `make serve`) makes every worker's figures add up.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.wsgi import ClosingIterator

from app.engine.cputime import engine_seconds
from app.services.registry import COMMANDS
from app.store.tables import Incident

REQUEST_SECONDS = Histogram("assistance_http_request_duration_seconds", "HTTP request latency",
                            ["method", "endpoint", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
# a request's CPU in the thread that served it, from the app's first look at it to its answer's last byte handed to
# the HTTP server (not the server's reading of the request), by endpoint: which requests a worker's CPU goes to
REQUEST_CPU_SECONDS = Counter("assistance_http_request_cpu_seconds_total", "CPU time spent serving HTTP requests",
                              ["method", "endpoint"])
COMPLETIONS = Counter("assistance_task_completions_total", "Tasks completed", ["kind"])
JOBS_FIRED = Counter("assistance_jobs_fired_total", "Timer jobs fired")
JOB_LAG = Histogram("assistance_job_lag_seconds", "Time from a timer's due time to its firing",
                    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400))
# its share of the process's CPU says whether to make the engine's work cheaper or the service's around it
ENGINE_SECONDS = Counter("assistance_engine_cpu_seconds_total",
                         "CPU time spent in the workflow engine: restoring, running and storing cases")
SCHEDULER_POLL_FAILURES = Counter("assistance_scheduler_poll_failures_total",
                                  "Timer polls that failed as a whole (the database unreachable, say)")


_ENDPOINT = "assistance.endpoint"  # the WSGI environ key the request's endpoint is left under


class _RequestCpu:
    """WSGI middleware: the CPU this thread spends on a request, counted by its endpoint once the answer is sent."""

    def __init__(self, wsgi_app: Any):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.thread_time()

        def count() -> None:
            endpoint = environ.get(_ENDPOINT) or "unmatched"
            if endpoint != "metrics":
                REQUEST_CPU_SECONDS.labels(environ.get("REQUEST_METHOD", ""), endpoint).inc(
                    time.thread_time() - started)

        return ClosingIterator(self.wsgi_app(environ, start_response), [count])


def init_metrics(app: Flask) -> None:
    """Time every request, count committed commands, serve /metrics."""
    app.wsgi_app = _RequestCpu(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(_start_timer)
    app.after_request(_observe_request)
    app.add_url_rule("/metrics", "metrics", lambda: _scrape(app))
    session_factory = app.extensions["runtime"].session_factory
    if not event.contains(session_factory, "after_commit", _count_committed):
        event.listen(session_factory, "after_commit", _count_committed)
        event.listen(session_factory, "after_rollback", _forget)


def _count_committed(session: Session) -> None:
    for name, at, inputs in session.info.pop("case_events", []):
        command = COMMANDS[name]
        if command.completes:
            COMPLETIONS.labels(command.completes).inc()
        if command.fires_timer:
            JOBS_FIRED.inc()
            due = command.read(inputs).due
            if due:
                JOB_LAG.observe(max(0.0, (at - datetime.fromisoformat(due)).total_seconds()))


def _forget(session: Session) -> None:
    session.info.pop("case_events", None)


@contextmanager
def engine_time() -> Iterator[None]:
    """Count the engine CPU this thread spends in the block (the scheduler's polls)."""
    before = engine_seconds()
    try:
        yield
    finally:
        ENGINE_SECONDS.inc(engine_seconds() - before)


def _start_timer() -> None:
    g.metrics_started, g.engine_started = time.perf_counter(), engine_seconds()
    request.environ[_ENDPOINT] = request.endpoint


def _observe_request(response):
    started = g.pop("metrics_started", None)
    if started is not None and request.endpoint != "metrics":
        endpoint = request.endpoint or "unmatched"
        REQUEST_SECONDS.labels(request.method, endpoint, str(response.status_code)).observe(
            time.perf_counter() - started)
        ENGINE_SECONDS.inc(engine_seconds() - g.pop("engine_started"))
    return response


class _OpenIncidents:
    """Counted from the incident table at scrape time, so every process reports the same figure."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.extensions["runtime"].reading() as uow:
            count = uow.session.scalar(select(func.count()).select_from(Incident))
        yield GaugeMetricFamily("assistance_open_incidents", "Open incidents (failed jobs)", value=count)


class _ThisProcess:
    def collect(self):
        yield from REGISTRY.collect()


def _scrape(app: Flask) -> Response:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_OpenIncidents(app))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
