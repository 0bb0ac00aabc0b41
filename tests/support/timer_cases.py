"""Many cheap timer cases (tests/fixtures/timer_once.bpmn), started in-process for the scheduler tests."""

import io
from pathlib import Path

from sqlalchemy import func, select

from app.services.cases import start_case
from app.services.commands import StartCase
from app.services.jobs import fire_due_jobs
from app.services.users import authenticate
from app.store.tables import CaseEvent, Job, ProcessInstance
from tests.conftest import PASSWORD

ROOT = Path(__file__).parent.parent.parent


def deploy_timer_fixture(login_as) -> None:
    designer = login_as("designer")
    fixture = (ROOT / "tests" / "fixtures" / "timer_once.bpmn").read_bytes()
    files = {"enable-duplicate-filtering": "true", "data": (io.BytesIO(fixture), "t.bpmn")}
    response = designer.client.post("/engine-rest/deployment/create", headers=designer.headers,
                                    content_type="multipart/form-data", data=files)
    assert response.status_code == 200, response.json


def start_timer_cases(runtime, clock, prefix: str, count: int) -> list[str]:
    """Start `count` cases with the start command, one second apart, so their timers fall due in order."""
    window = authenticate(runtime, "window_cg", PASSWORD)
    ids = []
    for n in range(count):
        ids.append(start_case(runtime, StartCase(window, "timer_once", f"{prefix}-{n:05d}")).id)
        clock.advance(seconds=1)
    return ids


def jobs_left(runtime, prefix: str) -> int:
    with runtime.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Job).join(
            ProcessInstance, ProcessInstance.id == Job.process_instance_id).where(
            ProcessInstance.business_key.like(prefix + "-%")))


def timer_events(runtime, ids: list[str]) -> list:
    """(case id, inputs, at) of every timer firing of these cases, in the order they were recorded."""
    events = []
    with runtime.unit_of_work() as uow:
        for chunk in range(0, len(ids), 1000):
            events += uow.session.execute(
                select(CaseEvent.id, CaseEvent.process_instance_id, CaseEvent.inputs, CaseEvent.at).where(
                    CaseEvent.process_instance_id.in_(ids[chunk:chunk + 1000]), CaseEvent.command == "timer")).all()
    return sorted(events, key=lambda e: e.id)


def states(runtime, ids: list[str]) -> set[str]:
    found = set()
    with runtime.unit_of_work() as uow:
        for chunk in range(0, len(ids), 1000):
            found |= set(uow.session.scalars(select(ProcessInstance.state).where(
                ProcessInstance.id.in_(ids[chunk:chunk + 1000]))))
    return found


def start_failing_case(login_as) -> str:
    designer = login_as("designer")
    fixture = (Path(__file__).parent.parent / "fixtures" / "failing_timer.bpmn").read_bytes()
    designer.client.post("/engine-rest/deployment/create", headers=designer.headers,
                         content_type="multipart/form-data",
                         data={"enable-duplicate-filtering": "true", "data": (io.BytesIO(fixture), "f.bpmn")})
    return login_as("window_cg").post("/process-definition/key/failing_timer/start", {}).json["id"]


def job_of(supervisor, case_id) -> dict:
    jobs = supervisor.get("/job", processInstanceId=case_id).json
    assert len(jobs) == 1
    return jobs[0]


def incidents_of(supervisor, case_id) -> list[dict]:
    return [i for i in supervisor.get("/incident").json if i["processInstanceId"] == case_id]


def fail_three_times(runtime, supervisor, case_id, clock) -> dict:
    clock.advance(days=1)  # the one-day timer is due
    for retries_left, backoff in ((2, 30), (1, 60), (0, 120)):
        fire_due_jobs(runtime)
        job = job_of(supervisor, case_id)
        assert job["retries"] == retries_left and "missing_count" in job["exceptionMessage"]
        if retries_left:
            clock.advance(seconds=backoff - 1)
            fire_due_jobs(runtime)  # not yet: the backoff has not passed
            assert job_of(supervisor, case_id)["retries"] == retries_left
            clock.advance(seconds=1)
    clock.advance(days=1)
    fire_due_jobs(runtime)  # out of tries: the scheduler leaves it alone
    assert job_of(supervisor, case_id)["retries"] == 0
    return job
