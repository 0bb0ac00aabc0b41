"""Suspension: a suspended case moves for no one until activated; a suspended definition starts no case."""

import uuid

from tests.conftest import typed
from tests.support.deployments import deploy_files
from tests.support.dibao_steps import Case

ONE_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_suspended_case_moves_for_no_one_until_activated(login_as):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    supervisor = login_as("supervisor")
    assert login_as("window_cg").put(f"/process-instance/{case.id}/suspended", {"suspended": True}).status_code == 403
    assert supervisor.put(f"/process-instance/{case.id}/suspended", {"suspended": True}).status_code == 204
    assert supervisor.get(f"/process-instance/{case.id}").json["suspended"] is True
    assert supervisor.get(f"/task/{task['id']}").json["suspended"] is True
    assert supervisor.get("/task/count", processInstanceId=case.id, suspended="true").json == {"count": 1}
    assert supervisor.get(f"/history/process-instance/{case.id}").json["state"] == "SUSPENDED"
    refused = login_as("window_cg").post(f"/task/{task['id']}/claim", {"userId": "window_cg"})
    assert refused.status_code == 409
    assert supervisor.put(f"/process-instance/{case.id}/suspended", {"suspended": False}).status_code == 204
    case.accept()
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers).json["events"]
    assert [e["command"] for e in events][1:3] == ["suspension", "suspension"]
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"], verdict


def test_a_suspended_definition_starts_no_case_and_its_cases_follow_when_asked(login_as):
    key = f"susp_{uuid.uuid4().hex[:8]}"
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": ONE_TASK.format(key=key)}).status_code == 200
    running = login_as("window_cg").post(f"/process-definition/key/{key}/start", {"variables": typed()}).json["id"]
    designer = login_as("designer")
    done = designer.put(f"/process-definition/key/{key}/suspended", {"suspended": True,
                                                                      "includeProcessInstances": True})
    assert done.status_code == 204
    assert designer.get(f"/process-definition/key/{key}").json["suspended"] is True
    assert login_as("window_cg").post(f"/process-definition/key/{key}/start", {}).status_code == 409
    assert login_as("supervisor").get(f"/process-instance/{running}").json["suspended"] is True
    assert designer.put("/process-definition/suspended", {"suspended": False, "processDefinitionKey": key,
                                                          "includeProcessInstances": True}).status_code == 204
    assert login_as("supervisor").get(f"/process-instance/{running}").json["suspended"] is False
    refused = designer.put("/process-definition/suspended", {"suspended": True, "processDefinitionKey": key,
                                                             "executionDate": "2027-01-01T00:00:00.000+0800"})
    assert refused.status_code == 400 and refused.json["field"] == "executionDate"


def test_cases_by_id_in_one_request(login_as):
    cases = [Case(login_as) for _ in range(2)]
    api = login_as("supervisor")
    assert api.put("/process-instance/suspended", {"suspended": True,
                                                   "processInstanceIds": [c.id for c in cases]}).status_code == 204
    assert api.get("/process-instance/count", processInstanceIds=",".join(c.id for c in cases),
                   suspended="true").json == {"count": 2}
    both = api.put("/process-instance/suspended", {"suspended": False, "processDefinitionKey": "dibao",
                                                   "processInstanceIds": [cases[0].id]})
    assert both.status_code == 400
