"""Two scheduler processes against one database fire every due timer exactly once."""

import io
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.store.tables import CaseEvent, ProcessInstance

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
