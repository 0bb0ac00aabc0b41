"""Tampering with a case's history or state in the database is found, naming the first bad event."""

import copy
import zlib

import pytest
from sqlalchemy import delete, insert, select, update

from app.domain.audit import event_digest
from app.engine.activities import activities_from_json
from app.services import definitions, provenance
from app.services.forms import all_components
from app.store.tables import CaseEvent, FormDefinition, ProcessDefinition, ProcessInstance, Resource
from tests.support.dibao_steps import Case, accept_variables
from tests.support.tamper import rechained, tamper_rows


def _verify(login_as, case: Case) -> dict:
    auditor = login_as("auditor")
    response = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_an_untampered_case_verifies(login_as, clock):
    case = Case.investigated(login_as)
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
    case = Case.investigated(login_as)
    tamper_rows(runtime, tamper(case.id))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == bad_event and words in verdict["problem"]


def _events(runtime, case_id: str) -> list[CaseEvent]:
    with runtime.reading() as uow:
        return list(uow.session.scalars(select(CaseEvent).where(CaseEvent.process_instance_id == case_id)
                                        .order_by(CaseEvent.seq)))


def _moved(case_id: str, seq: int, to: int):
    return update(CaseEvent).where(CaseEvent.process_instance_id == case_id, CaseEvent.seq == seq).values(seq=to)


def _inserted(runtime, case_id: str) -> list:
    """A forged event put in as event 3, chained on event 2 and hashed right; the later events moved up one."""
    events = _events(runtime, case_id)
    forged = {name: getattr(events[2], name) for name in ("process_instance_id", "at", "command", "target",
                                                           "inputs", "changed", "state_hash", "tenant_id")}
    forged.update(seq=3, actor="someone_else")
    forged["hash"] = event_digest(forged["process_instance_id"], 3, forged["at"], forged["actor"], forged["command"],
                                  forged["target"], forged["inputs"], forged["changed"], forged["state_hash"],
                                  events[1].hash)
    return [_moved(case_id, 4, 5), _moved(case_id, 3, 4), insert(CaseEvent).values(**forged)]


def _rehashed_alone(runtime, case_id: str) -> list:
    """Event 2 edited and given the hash of its new content: the chain after it is not re-hashed."""
    events = _events(runtime, case_id)
    e = events[1]
    digest = event_digest(case_id, e.seq, e.at, "someone_else", e.command, e.target, e.inputs, e.changed,
                          e.state_hash, events[0].hash)
    return [update(CaseEvent).where(CaseEvent.id == e.id).values(actor="someone_else", hash=digest)]


@pytest.mark.parametrize("tamper, bad_event", [
    (_inserted, 4),  # the event after the forged one no longer chains (its hash covers its old seq and neighbour)
    (lambda rt, c: [_moved(c, 2, 99), _moved(c, 3, 2), _moved(c, 99, 3)], 2),  # two events swapped
    (_rehashed_alone, 3),  # the next event's hash covers the hash event 2 had
])
def test_an_inserted_moved_or_rehashed_event_breaks_the_chain_after_it(runtime, login_as, clock, tamper, bad_event):
    """No event stores the previous one's hash: each event's hash is recomputed over the hash its neighbour has."""
    case = Case.investigated(login_as)
    tamper_rows(runtime, *tamper(runtime, case.id))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == bad_event and "修改" in verdict["problem"]


def test_cli_verifies_every_case_with_a_progress_bar(runtime, runner, login_as, clock):
    case = Case.investigated(login_as)
    tamper_rows(runtime, update(CaseEvent).where(CaseEvent.process_instance_id == case.id, CaseEvent.seq == 1)
                .values(command="forged"))
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"FAILED {case.id} at event 1" in result.output


@pytest.fixture
def deployment_of(runtime):
    """Yield a function returning a case's definition row; restore what a test changed in it afterwards."""
    saved = []

    def find(case_id: str):
        with runtime.unit_of_work() as uow:
            definition = uow.session.get(ProcessDefinition, uow.session.get(ProcessInstance, case_id).definition_id)
            resource = uow.session.scalars(select(Resource).where(
                Resource.deployment_id == definition.deployment_id, Resource.name == definition.resource_name)).one()
            saved.append((resource.id, resource.content, definition.id, definition.spec))
            return resource.id, resource.content, definition.id, definition.spec

    yield find
    for resource_id, content, definition_id, spec in saved:
        tamper_rows(runtime, update(Resource).where(Resource.id == resource_id).values(content=content),
                    update(ProcessDefinition).where(ProcessDefinition.id == definition_id).values(spec=spec))


def test_an_edited_bpmn_file_of_the_deployment_is_reported_at_the_start_event(runtime, login_as, clock,
                                                                              deployment_of):
    case, other = Case.investigated(login_as), Case.investigated(login_as)
    resource_id, xml, _, _ = deployment_of(case.id)
    forged = xml.replace(b'candidateGroups="county_reviewer"', b'candidateGroups="window"', 1)
    assert forged != xml
    tamper_rows(runtime, update(Resource).where(Resource.id == resource_id).values(content=forged))
    for each in (case, other):
        verdict = _verify(login_as, each)
        assert verdict["ok"] is False and verdict["firstBadEvent"] == 1 and "部署被修改" in verdict["problem"]


def test_an_edited_stored_spec_is_reported_at_the_start_event(runtime, login_as, clock, deployment_of):
    case = Case.investigated(login_as)
    _, _, definition_id, spec = deployment_of(case.id)
    tamper_rows(runtime, update(ProcessDefinition).where(ProcessDefinition.id == definition_id)
                .values(spec={**spec, "forged": True}))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == 1 and "部署被修改" in verdict["problem"]


def _restarted() -> None:
    """What a new process of the service starts with: no form or digest read yet."""
    definitions._forms.clear()
    provenance._digests.clear()


@pytest.fixture
def household_limit(runtime):
    """Yield a function setting the largest household the stored 受理 form of a case's definition allows (the
    file deployed says 30), as after a restart; restore the form afterwards."""
    saved = []

    def edit(case_id: str, largest: int) -> None:
        with runtime.unit_of_work() as uow:
            definition = uow.session.get(ProcessDefinition, uow.session.get(ProcessInstance, case_id).definition_id)
            form = uow.session.get(FormDefinition, activities_from_json(definition.activities)["accept"].form_id)
            saved.append((form.id, form.schema))
            form_id, schema = form.id, copy.deepcopy(form.schema)
        next(c for c in all_components(schema) if c.get("key") == "household_size")["validate"]["max"] = largest
        tamper_rows(runtime, update(FormDefinition).where(FormDefinition.id == form_id).values(schema=schema))
        _restarted()

    yield edit
    for form_id, schema in saved:
        tamper_rows(runtime, update(FormDefinition).where(FormDefinition.id == form_id).values(schema=schema))
    _restarted()


def test_an_edited_stored_form_schema_is_reported_at_the_start_event(runtime, login_as, clock, household_limit):
    """Tasks are validated with the stored copy of a form file: a copy edited in the database fails the digest."""
    case = Case.investigated(login_as)
    household_limit(case.id, 3000)
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == 1 and "部署被修改" in verdict["problem"]


def test_an_edited_stored_form_schema_is_refused_not_used(runtime, login_as, clock, household_limit):
    case = Case(login_as)
    household_limit(case.id, 3000)
    window = login_as("window_cg")
    task = case.task("window_cg", "accept")
    completed = window.post(f"/task/{task['id']}/complete", {"variables": accept_variables(household_size=500)})
    assert completed.status_code == 422 and "表单被修改" in completed.json["message"], completed.json
    started = window.post("/process-definition/key/dibao/start", {"businessKey": f"{case.business_key}-2"})
    assert started.status_code == 422 and "表单被修改" in started.json["message"], started.json


def test_an_edited_event_with_a_recomputed_chain_is_caught_by_replay(runtime, login_as, clock):
    """Whoever rewrites an input and re-hashes the whole chain still fails: replay gives another state."""
    case = Case.investigated(login_as)
    tamper_rows(runtime, *rechained(runtime, case.id, 2, lambda inputs: {
        **inputs, "variables": {**inputs["variables"], "per_capita_income": 9999.0}}))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == 2
    # the verdict names the variable; its values (an income) are read through the replayed states, masked
    assert "per_capita_income" in verdict["problem"] and "9999" not in verdict["problem"]


@pytest.mark.parametrize("edit", [
    *(lambda inputs, task_id=task_id: {**inputs, "taskId": task_id} for task_id in (None, {"a": 1}, ["x"], 12)),
    lambda inputs: {**inputs, "variables": ["x"]},
    lambda inputs: ["not", "an", "object"],
], ids=["task id null", "task id an object", "task id a list", "task id a number", "data a list", "inputs a list"])
def test_a_malformed_recorded_input_fails_its_case_alone_naming_the_event(runtime, runner, login_as, clock, edit):
    """An input the engine cannot take (a re-hashed chain keeps it from the hash checks) is that case's failed
    replay: every verifier says so and verifies the other cases; reading its state there is refused."""
    case, other = Case.investigated(login_as), Case.investigated(login_as)
    tamper_rows(runtime, *rechained(runtime, case.id, 2, edit))
    failed = "重放事件 2（complete）失败："
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == 2 and verdict["problem"].startswith(failed)
    auditor = login_as("auditor")
    report = auditor.client.get("/api/audit/verify", headers=auditor.headers).json
    assert [f["firstBadEvent"] for f in report["failed"] if f["caseId"] in (case.id, other.id)] == [2]
    state = auditor.client.get(f"/api/audit/cases/{case.id}/events/2/state", headers=auditor.headers)
    assert state.status_code == 409 and state.json["message"].startswith("重放到事件 2 时失败")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers)
    assert events.status_code == 200 and [e["seq"] for e in events.json["events"]] == [1, 2, 3, 4], events.json
    result = runner.invoke(args=["audit-verify", "--processes", "1"])  # the case has no checkpoint: replayed whole
    assert f"FAILED {case.id} at event 2: {failed}" in result.output and other.id not in result.output


def test_changed_stored_case_data_is_caught_by_replay(runtime, login_as, clock):
    case = Case.investigated(login_as)
    with runtime.unit_of_work() as uow:
        variables = dict(uow.session.get(ProcessInstance, case.id).variables)
    tamper_rows(runtime, update(ProcessInstance).where(ProcessInstance.id == case.id)
                .values(variables={**variables, "per_capita_income": 1.0}))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == 4 and "per_capita_income" in verdict["problem"]


def test_untampered_cases_in_scope_all_pass(runtime, login_as, clock):
    cases = [Case.investigated(login_as) for _ in range(3)]
    auditor = login_as("auditor")
    report = auditor.client.get("/api/audit/verify", headers=auditor.headers).json
    failed = {f["caseId"] for f in report["failed"]}
    assert report["cases"] >= 3 and not failed & {c.id for c in cases}


def test_cli_group_alias_verifies_too(runtime, runner, login_as, clock):
    case = Case.investigated(login_as)
    tamper_rows(runtime, update(CaseEvent).where(CaseEvent.process_instance_id == case.id, CaseEvent.seq == 3)
                .values(actor="forged"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"FAILED {case.id} at event 3" in result.output
