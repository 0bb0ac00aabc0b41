"""Every engine command lives in the registry: the live path records it, replay re-runs it, the pages name it."""

from sqlalchemy import select

from app.domain.actors import SYSTEM
from app.services import registry
from app.services.case_commands import run_command
from app.services.registry import COMMANDS, Command, Issued, VariablesInputs
from app.store.tables import CaseEvent, ProcessInstance
from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def _events(runtime, case_id: str) -> list[CaseEvent]:
    with runtime.reading() as uow:
        rows = list(uow.session.scalars(select(CaseEvent).where(CaseEvent.process_instance_id == case_id)
                                        .order_by(CaseEvent.seq)))
        uow.session.expunge_all()
        return rows


def test_each_recorded_event_reads_back_through_its_commands_inputs_exactly(runtime, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    assert login_as("window_cg").post(f"/task/{task['id']}/claim", {"userId": "window_cg"}).status_code == 204
    assert login_as("window_cg").post(f"/task/{task['id']}/unclaim").status_code == 204
    case.accept()
    case.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="无")
    task_id = case.lock_verification()
    failed = login_as("verifier").post(f"/external-task/{task_id}/failure", {
        "workerId": "matcher-1", "errorMessage": "核对系统忙", "retries": 2, "retryTimeout": 1000})
    assert failed.status_code == 204, failed.json
    clock.advance(seconds=2)
    case.verify()
    events = _events(runtime, case.id)
    assert [e.command for e in events] == ["start", "claim", "unclaim", "complete", "complete", "external_failure",
                                           "external_complete"]
    for event in events:
        command = COMMANDS[event.command]
        assert command.read(event.inputs).to_json() == event.inputs, event.command


def test_a_new_command_is_one_registry_entry_that_runs_replays_and_shows(app, runtime, login_as, clock, monkeypatch):
    note = Command("note", "批注", "批注：{}", VariablesInputs, lambda run, i: run.set_variables(i.variables))
    monkeypatch.setitem(COMMANDS, "note", note)
    case = Case(login_as)
    case.accept()
    with runtime.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, case.id)
        run_command(runtime, uow.session, instance,
                    Issued(note, VariablesInputs({"remark": "已电话核实"}), SYSTEM, clock(), "home_visit"))
        uow.commit()
    assert case.variables()["remark"] == "已电话核实"
    auditor = login_as("auditor")
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"] and verdict["events"] == 3, verdict
    page = Web(app, "auditor").get(f"/auditor/cases/{case.id}").text
    assert '<li data-seq="3" data-command="note">' in page and "批注" in page
    assert registry.title("note", "入户调查") == "批注：入户调查"
