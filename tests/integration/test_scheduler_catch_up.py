"""After downtime, the scheduler fires every overdue timer once, oldest first, while requests keep answering."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest

from tests.support.dibao_steps import Case
from tests.support.timer_cases import (
    ROOT,
    deploy_timer_fixture,
    jobs_left,
    start_timer_cases,
    states,
    timer_events,
)

CASES = int(os.environ.get("CATCH_UP_TIMERS", "1000"))  # the figure; lower it for a quick local run
# a service process with its scheduler on, as after a restart; it runs on the real clock, days past the due times
SERVICE = """
import sys, time
from app import create_app
from app.config import Config
from app.scheduler import start_scheduler
start_scheduler(create_app(Config(DATABASE_URL=sys.argv[1], SECRET_KEY="x", SCHEDULER=True,
                                  SCHEDULER_INTERVAL_SECONDS=1.0)))
while True:
    time.sleep(1)
"""


def _requests_during_catch_up(login_as, runtime, prefix: str) -> list[tuple[float, int]]:
    """Alternate a read (the job list) and a write (a new 低保 case); return (seconds, jobs still due) each."""
    supervisor, timings = login_as("supervisor"), []
    started = time.monotonic()
    while (left := jobs_left(runtime, prefix)) and time.monotonic() - started < 180:
        begun = time.monotonic()
        assert supervisor.get("/job", maxResults=20).status_code == 200
        Case(login_as)
        timings.append((time.monotonic() - begun, left))
        time.sleep(0.25)
    return timings


@pytest.mark.fault("restart with overdue timers")
def test_overdue_timers_fire_once_oldest_first_while_requests_keep_answering(app, runtime, login_as, clock):
    deploy_timer_fixture(login_as)
    prefix = f"CU-{uuid.uuid4().hex[:8]}"
    ids = start_timer_cases(runtime, clock, prefix, CASES)
    clock.advance(days=1)  # the test's own clock: what it starts meanwhile is not yet due
    service = subprocess.Popen([sys.executable, "-c", SERVICE, app.config["DATABASE_URL"]], cwd=ROOT)
    try:
        timings = _requests_during_catch_up(login_as, runtime, prefix)
    finally:
        service.terminate()
        service.wait(timeout=30)
    assert jobs_left(runtime, prefix) == 0
    during = sorted(seconds for seconds, left in timings if left)
    # a read and a write each time, every one answered; the machine is shared with other test runs, so the
    # bound is on the 95th percentile, with a ceiling well under a client's timeout
    assert len(during) >= 5 and during[int(len(during) * 0.95)] < 2.0 and during[-1] < 10.0, during[-10:]
    events = timer_events(runtime, ids)
    assert len(events) == CASES and len({e.process_instance_id for e in events}) == CASES
    assert states(runtime, ids) == {"COMPLETED"}
    dues = [e.inputs["due"] for e in events]
    assert dues == sorted(dues)  # oldest first
    # drained over more than one poll (1 s apart), not in one burst: a poll fires for part of its interval only
    assert events[-1].at - events[0].at > timedelta(seconds=1)
