"""Server-owned data: no client sets a county setting or a variable the diagram or the service sets."""

import io
import json
import uuid

import pytest

from tests.conftest import typed
from tests.support.dibao_steps import Case, unique_id_number

START_FORM = {"id": "owned_start_form", "type": "default", "components": [
    {"type": "textfield", "key": "applicant_name", "label": "申请人", "validate": {"required": True},
     "id": "Field_owned_applicant_name"},
    {"type": "number", "key": "household_size", "label": "家庭人口", "validate": {"min": 1},
     "id": "Field_owned_household_size"}]}


def _process(key: str) -> str:
    """A start form, a script that sets `accepted_at`, a task without a form for the window."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" camunda:formRef="owned_start_form" camunda:formRefBinding="latest" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="record" />
    <bpmn:scriptTask id="record" scriptFormat="python"><bpmn:script>accepted_at = now()</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="record" targetRef="t" />
    <bpmn:userTask id="t" name="登记" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


def _deploy_start_form_process(login_as) -> str:
    key = f"owned_{uuid.uuid4().hex[:8]}"
    designer = login_as("designer")
    files = {"p.bpmn": _process(key), "owned_start_form.form": json.dumps(START_FORM)}
    data = {"deployment-name": key, **{n: (io.BytesIO(c.encode()), n) for n, c in files.items()}}
    response = designer.client.post("/engine-rest/deployment/create", data=data, headers=designer.headers,
                                    content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    return key


def _start(login_as, key: str, **variables):
    return login_as("window_cg").post(f"/process-definition/key/{key}/start",
                                      {"businessKey": f"SO-{uuid.uuid4().hex[:10]}", "variables": typed(**variables)})


def test_a_start_cannot_raise_the_township_approval_limit(login_as, clock):
    response = _start(login_as, "linshi", township_approval_limit=10000000)
    assert response.status_code == 400, response.json
    assert response.json["field"] == "variables.township_approval_limit"
    started = _start(login_as, "linshi", village="dongguan")
    assert started.status_code == 200, started.json
    case = Case.__new__(Case)
    case.login_as, case.id = login_as, started.json["id"]
    case.complete("window_cg", "accept", applicant_name="李梅", id_number=unique_id_number(), kind="支出",
                  amount=60000.0, reason="重病住院")
    assert case.variables()["township_approval_limit"] == 10000  # the county's, copied at the start


@pytest.mark.parametrize("name", ["township_decides", "dibao_standard", "accepted_at", "overall_limit",
                                  "decision_group", "household_class", "referrals", "need", "publicity_objection"])
def test_a_start_cannot_set_a_setting_or_what_the_diagram_sets(login_as, clock, name):
    response = _start(login_as, "dibao", **{name: 1})
    assert response.status_code == 400, response.json
    assert response.json["field"] == f"variables.{name}"


def test_a_start_with_a_start_form_takes_only_its_fields(login_as, clock):
    key = _deploy_start_form_process(login_as)
    response = _start(login_as, key, applicant_name="王五", remark="表单外的字段")
    assert response.status_code == 400 and response.json["field"] == "remark"
    response = _start(login_as, key, household_size=2)
    assert response.status_code == 400 and response.json["field"] == "applicant_name"  # the form's rules hold
    response = _start(login_as, key, applicant_name="王五", accepted_at="2020-01-01")
    assert response.status_code == 400 and response.json["field"] == "accepted_at"
    started = _start(login_as, key, applicant_name="王五", household_size=2)
    assert started.status_code == 200, started.json
    variables = login_as("window_cg").get(f"/process-instance/{started.json['id']}/variables").json
    assert variables["applicant_name"]["value"] == "王五" and variables["accepted_at"]["value"] != "2020-01-01"


def test_a_task_without_a_form_cannot_set_a_reserved_variable(login_as, clock):
    key = _deploy_start_form_process(login_as)
    case_id = _start(login_as, key, applicant_name="王五").json["id"]
    [task] = login_as("window_cg").get("/task", processInstanceId=case_id).json
    complete = f"/task/{task['id']}/complete"
    for name in ("accepted_at", "township_decides"):
        response = login_as("window_cg").post(complete, {"variables": typed(**{name: True})})
        assert response.status_code == 400 and response.json["field"] == f"variables.{name}", response.json
    assert login_as("window_cg").post(complete, {"variables": typed(remark="已登记")}).status_code == 204


def test_a_message_start_takes_only_the_payload_its_form_declares(login_as, clock):
    body = {"messageName": "proactive_discovery", "businessKey": f"ZD-{uuid.uuid4().hex[:10]}",
            "processVariables": typed(village="dongguan", report_channel="12345", report_text="独居老人，无收入来源")}
    for extra, field in (({"township_decides": True}, "township_decides"), ({"remark": "x"}, "remark")):
        response = login_as("hotline").post("/message", {**body, "processVariables": {
            **body["processVariables"], **typed(**extra)}})
        assert response.status_code == 400 and response.json["field"] == field, response.json
    assert login_as("hotline").post("/message", body).status_code == 204


def test_a_message_to_a_waiting_case_cannot_set_a_reserved_variable(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    response = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": typed(objection_text="有车辆", overall_limit=99)})
    assert response.status_code == 400 and response.json["field"] == "processVariables.overall_limit"
    assert case.activities() == ["publicity_gateway"]  # nothing happened


def test_the_matching_system_cannot_set_a_setting(login_as, clock):
    case = Case(login_as)
    case.accept()
    task_id = case.lock_verification()
    response = login_as("verifier").post(f"/external-task/{task_id}/complete", {
        "workerId": "matcher-1", "variables": typed(verification_result="matched", township_decides=True)})
    assert response.status_code == 400 and response.json["field"] == "variables.township_decides"
    case.complete_verification(task_id)


def test_a_repair_cannot_touch_a_setting_or_an_amount_and_is_replayed(login_as, clock):
    case = Case(login_as)
    case.accept()
    supervisor = login_as("supervisor")
    repair = f"/process-instance/{case.id}/variables"
    for name, value in (("dibao_standard", 5000), ("proposed_amount", 99999), ("amount", 1)):
        response = supervisor.post(repair, {"modifications": {name: {"value": value, "type": "Integer"}}})
        assert response.status_code == 400 and response.json["field"] == f"modifications.{name}", response.json
    response = supervisor.post(repair, {"modifications": {"registered_separately": {"value": True,
                                                                                     "type": "Boolean"}}})
    assert response.status_code == 204, response.json
    assert case.variables()["registered_separately"] is True
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers).json["events"]
    assert events[-1]["command"] == "variables" and events[-1]["actor"] == "supervisor"
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True, verdict
