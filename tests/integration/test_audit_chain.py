"""Tampering with a case's history or state in the database is found, naming the first bad event."""

import zlib

import pytest
from sqlalchemy import delete, update

from app.store.tables import CaseEvent, ProcessInstance
from tests.e2e.dibao_steps import Case


def _case(login_as) -> Case:
    case = Case(login_as)
    case.accept()
    case.investigate()  # start, complete accept, complete home_visit, complete verify: four events
    return case


def _verify(login_as, case: Case) -> dict:
    auditor = login_as("auditor")
    response = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers)
    assert response.status_code == 200, response.json
    return response.json


def _tamper(runtime, statement) -> None:
    with runtime.unit_of_work() as uow:
        uow.session.execute(statement)
        uow.commit()


def test_an_untampered_case_verifies(login_as, clock):
    case = _case(login_as)
    verdict = _verify(login_as, case)
    assert verdict == {"caseId": case.id, "ok": True, "events": 4, "firstBadEvent": None, "problem": None}
    window = login_as("window_cg")
    assert window.client.get(f"/api/audit/cases/{case.id}/verify", headers=window.headers).status_code == 403


@pytest.mark.parametrize("tamper, bad_event, words", [
    (lambda c: update(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 2)
     .values(inputs={"taskId": "x", "variables": {"per_capita_income": 9999}}), 2, "修改"),
    (lambda c: update(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 3)
     .values(actor="someone_else"), 3, "修改"),
    (lambda c: delete(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 2), 2, "缺失"),
    (lambda c: delete(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 4), 4, "缺失"),
    (lambda c: update(ProcessInstance).where(ProcessInstance.id == c)
     .values(workflow=zlib.compress(b'{"forged": true}')), 4, "状态"),
])
def test_tampering_is_reported_at_the_first_bad_event(runtime, login_as, clock, tamper, bad_event, words):
    case = _case(login_as)
    _tamper(runtime, tamper(case.id))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == bad_event and words in verdict["problem"]


def test_cli_verifies_every_case_with_a_progress_bar(runtime, runner, login_as, clock):
    case = _case(login_as)
    _tamper(runtime, update(CaseEvent).where(CaseEvent.process_instance_id == case.id, CaseEvent.seq == 1)
            .values(command="forged"))
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"FAILED {case.id} at event 1" in result.output
