"""Replaying a case's log rebuilds its state at every event, for cases driven through every process path.

Each scenario is one of the end-to-end tests of the three processes, run as written; the
cases it created are then verified and replayed event by event through the audit API.
"""

import pytest
from sqlalchemy import select

from app.domain.actors import SYSTEM
from app.services.case_history import state_at
from app.store.tables import Job, ProcessInstance, Task
from tests.support.scenarios import SCENARIOS


def _case_ids(runtime) -> set[str]:
    with runtime.unit_of_work() as uow:
        return set(uow.session.scalars(select(ProcessInstance.id)))


def _stored(runtime, case_id: str) -> tuple[dict, str, set[str], dict[str, str]]:
    with runtime.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, case_id)
        tasks = set(uow.session.scalars(select(Task.id).where(Task.process_instance_id == case_id)))
        jobs = {j.id: j.activity_id for j in uow.session.scalars(select(Job).where(Job.process_instance_id == case_id))}
        return instance.variables, instance.state, tasks, jobs


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replay_reproduces_every_event_of_every_path(runtime, login_as, clock, scenario):
    before = _case_ids(runtime)
    drive, extra = SCENARIOS[scenario]
    drive(login_as, clock, *extra)
    created = _case_ids(runtime) - before
    assert created, "the scenario started no case"
    auditor = login_as("auditor")
    for case_id in created:
        verdict = auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json
        assert verdict["ok"], verdict
        seq, seen = 1, 0
        while seq is not None:
            response = auditor.client.get(f"/api/audit/cases/{case_id}/events/{seq}/state", headers=auditor.headers)
            assert response.status_code == 200, response.json
            assert response.json["matchesRecord"] is True, (seq, response.json["event"])
            seq, seen = response.json["nextSeq"], seen + 1
        assert seen == verdict["events"] > 1
        _assert_final_state_is_the_stored_one(runtime, case_id, verdict["events"])


def _assert_final_state_is_the_stored_one(runtime, case_id: str, last: int) -> None:
    final = state_at(runtime, SYSTEM, case_id, last)
    variables, state, tasks, jobs = _stored(runtime, case_id)
    assert final.snapshot.variables == variables
    assert final.snapshot.completed == (state != "ACTIVE")  # completed or cancelled
    if state == "ACTIVE":
        assert {t["id"] for t in final.snapshot.open_tasks if t["kind"] == "user"} == tasks
        assert {w["id"]: w["activityId"] for w in final.snapshot.waiting if w["type"] == "timer"} == jobs
