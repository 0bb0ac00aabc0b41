"""Two scheduler processes against one database fire every due timer exactly once."""

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store.tables import CaseEvent, ProcessInstance
from tests.support.timer_cases import ROOT, deploy_timer_fixture, jobs_left, start_timer_cases, states, timer_events

CASES = 120
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


def test_two_scheduler_processes_fire_each_due_timer_exactly_once(app, runtime, login_as, clock):
    designer = login_as("designer")
    fixture = (Path(__file__).parent.parent / "fixtures" / "timer_once.bpmn").read_bytes()
    designer.client.post("/engine-rest/deployment/create", headers=designer.headers,
                         content_type="multipart/form-data",
                         data={"enable-duplicate-filtering": "true", "data": (io.BytesIO(fixture), "t.bpmn")})
    window = login_as("window_cg")
    ids = [window.post("/process-definition/key/timer_once/start", {}).json["id"] for _ in range(CASES)]
    # the workers run on the real clock, which is past the frozen clock's due times
    url = app.config["DATABASE_URL"]
    root = Path(__file__).parent.parent.parent
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, url], cwd=root) for _ in range(2)]
    assert all(w.wait(timeout=300) == 0 for w in workers)
    with runtime.unit_of_work() as uow:
        fired = dict(uow.session.execute(
            select(CaseEvent.process_instance_id, func.count()).where(
                CaseEvent.process_instance_id.in_(ids), CaseEvent.command == "timer")
            .group_by(CaseEvent.process_instance_id)).all())
        states = set(uow.session.scalars(select(ProcessInstance.state).where(ProcessInstance.id.in_(ids))))
    assert len(fired) == CASES and set(fired.values()) == {1}
    assert states == {"COMPLETED"}


# 10,000 is the figure; on a shared two-core machine each firing costs 40–100 ms of CPU, so the default
# keeps this test within about two minutes. RACE_TIMERS=10000 runs the full figure where there is time for it.
RACE_TIMERS = int(os.environ.get("RACE_TIMERS", "1000"))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="row locks (FOR UPDATE SKIP LOCKED) race only on PostgreSQL")
def test_two_scheduler_processes_race_on_postgresql_and_fire_every_timer_once(app, runtime, login_as, clock):
    deploy_timer_fixture(login_as)
    prefix = f"RACE-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    ids = start_timer_cases(runtime, clock, prefix, RACE_TIMERS)
    created = time.monotonic()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, app.config["DATABASE_URL"]], cwd=ROOT)
               for _ in range(2)]
    assert all(w.wait(timeout=600) == 0 for w in workers)
    print(f"{RACE_TIMERS} timers: started in {created - started:.0f} s, fired in {time.monotonic() - created:.0f} s")
    assert jobs_left(runtime, prefix) == 0
    events = timer_events(runtime, ids)
    assert len(events) == RACE_TIMERS and len({e.process_instance_id for e in events}) == RACE_TIMERS
    assert states(runtime, ids) == {"COMPLETED"}
