"""A stalled worker: a scheduler process frozen (SIGSTOP) in the middle of firing a batch, its rows locked and its
transaction open, holds up neither another scheduler process nor the service; once it is let go (SIGCONT),
what it held fires, and every timer has fired exactly once.

Ledger: each case's timer event recorded once, no job left, every case completed."""

import os
import signal
import subprocess
import sys
import time

import pytest

from app.services.jobs import fire_due_jobs
from tests.support.timer_cases import ROOT, deploy_timer_fixture, jobs_left, start_timer_cases, states, timer_events

pytestmark = [
    pytest.mark.fault("stalled worker"),
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="row locks another scheduler skips (FOR UPDATE SKIP LOCKED) are PostgreSQL's"),
]

CASES = 40
# a scheduler process that freezes itself on its first firing, with its batch's rows locked and its
# transaction open, after saying so in the file it is given
STALLING = """
import os, signal, sys
from pathlib import Path
from app import create_app
from app.config import Config
from app.services import jobs
app = create_app(Config(DATABASE_URL=sys.argv[1], SECRET_KEY="x", TESTING=True, SCHEDULER=False))
fire, stalled = jobs._fire, []
def stalling(*args, **kwargs):
    if not stalled:
        stalled.append(1)
        Path(sys.argv[2]).write_text("stalled")
        os.kill(os.getpid(), signal.SIGSTOP)
    return fire(*args, **kwargs)
jobs._fire = stalling
runtime, idle = app.extensions["runtime"], 0
while idle < 3:
    idle = idle + 1 if jobs.fire_due_jobs(runtime, limit=20) == 0 else 0
"""
WORKER = """
import sys
from app import create_app
from app.config import Config
from app.services.jobs import fire_due_jobs
app = create_app(Config(DATABASE_URL=sys.argv[1], SECRET_KEY="x", TESTING=True, SCHEDULER=False))
runtime, idle = app.extensions["runtime"], 0
while idle < 3:
    idle = idle + 1 if fire_due_jobs(runtime, limit=20) == 0 else 0
"""


def _wait_for(path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "the stalling worker never began to fire"
        time.sleep(0.1)


def test_a_stalled_scheduler_holds_up_nothing_and_every_timer_fires_once(app, runtime, login_as, clock, client,
                                                                          tmp_path):
    deploy_timer_fixture(login_as)
    prefix = f"ST-{time.monotonic_ns()}"
    ids = start_timer_cases(runtime, clock, prefix, CASES)  # the workers run on the real clock: all due
    url, flag = app.config["DATABASE_URL"], tmp_path / "stalled"
    stalling = subprocess.Popen([sys.executable, "-c", STALLING, url, str(flag)], cwd=ROOT)
    other = None
    try:
        _wait_for(flag, 30)
        time.sleep(0.2)  # it has stopped itself
        held = jobs_left(runtime, prefix)
        other = subprocess.Popen([sys.executable, "-c", WORKER, url], cwd=ROOT)
        assert other.wait(timeout=60) == 0  # the other scheduler finishes while the first is frozen
        # what the frozen one holds (its batch, locked) is still waiting; the rest fired
        assert 0 < jobs_left(runtime, prefix) < held
        began = time.monotonic()
        assert client.get("/health").status_code == 200 and time.monotonic() - began < 1
        os.kill(stalling.pid, signal.SIGCONT)
        stalling.wait(timeout=60)  # its transaction commits, or was ended by the database: either way once
    finally:
        for process in (stalling, other):
            if process and process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    clock.advance(days=2)  # the test's clock too is past the due times now
    while fire_due_jobs(runtime, limit=50):  # anything a lost transaction left fires now, once
        pass
    events = timer_events(runtime, ids)
    assert len(events) == CASES and len({e.process_instance_id for e in events}) == CASES
    assert jobs_left(runtime, prefix) == 0
    assert states(runtime, ids) == {"COMPLETED"}
