"""schemathesis generates requests for every operation of the served OpenAPI document (/engine-rest/openapi.json):
ones that keep to the schema and ones that break it, sent as the role the operation is for. None may answer a
5xx. The run is bounded (SCHEMATHESIS_EXAMPLES per operation and mode) and uses a database of its own.

schemathesis' own pytest plugin does not run under pytest 9, so each operation's strategy is drawn with
hypothesis directly."""

import base64
import os
import signal
from contextlib import contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.internal.conjecture.engine import ConjectureRunner
from schemathesis import GenerationMode

from app.api.openapi import openapi_document
from tests.conftest import PASSWORD, service_app

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
# hypothesis can spend minutes drawing for one operation (a run in CI stalled in its mutation phase): each
# operation's draws stop after this many seconds; every answer received until then has been checked
SECONDS = float(os.environ.get("SCHEMATHESIS_SECONDS", "20"))
ROLES = (("/external-task", "verifier"), ("/deployment", "designer"), ("/start", "window_cg"),
         ("/message", "window_cg"), ("", "supervisor"))
OPERATIONS = sorted((op.ok().method.upper(), op.ok().path)
                    for op in schemathesis.openapi.from_dict(openapi_document()).get_all_operations())


@pytest.fixture(scope="module")
def engine_schema(tmp_path_factory):
    app = service_app(f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'api.sqlite3'}", "schemathesis")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a defect answers 500, as in production, and fails the test
    app.config["LONG_POLL_MAX_MS"] = 200  # drawn asyncResponseTimeouts above it are refused, not waited out
    yield schemathesis.openapi.from_wsgi("/engine-rest/openapi.json", app)
    app.extensions["db_engine"].dispose()


def _credentials(path: str) -> dict:
    user = next(user for part, user in ROLES if part in path)
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("method, path", OPERATIONS)
def test_no_operation_answers_a_server_error(engine_schema, method, path, mode, monkeypatch):
    operation = engine_schema[path][method]
    # hypothesis' mutation step copies spans of a drawn example into itself; on these schemas it grew one
    # request's body until a single draw took minutes (twice in CI, over an hour). Drawn examples only.
    monkeypatch.setattr(ConjectureRunner, "generate_mutations_from", lambda _runner, _data: None)

    budget = _Budget()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def call(case):
        with budget.request():
            response = case.call(headers=_credentials(path))
        assert response.status_code < 500, (case.formatted_path, case.query, case.body, response.text[:500])

    with budget.running(SECONDS):
        call()


class _OutOfTime(BaseException):
    """Not an Exception: hypothesis lets it through instead of counting it as the test's failure."""


class _Budget:
    """Stops hypothesis when an operation's time is up, never in the middle of a request to the service."""

    def __init__(self):
        self.requesting = self.expired = False

    def _alarm(self, _signum, _frame):
        self.expired = True
        if not self.requesting:
            raise _OutOfTime

    @contextmanager
    def request(self):
        if self.expired:
            raise _OutOfTime
        self.requesting = True
        try:
            yield
        finally:
            self.requesting = False

    @contextmanager
    def running(self, seconds: float):
        previous = signal.signal(signal.SIGALRM, self._alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        except _OutOfTime:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
