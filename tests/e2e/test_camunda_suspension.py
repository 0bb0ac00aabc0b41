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


class NodeKilled(BaseException):
    """The node died midway through a command (a BaseException: no handler answers it)."""


def test_a_definition_suspended_with_its_cases_is_one_command_a_retry_with_its_key_completes(
        runtime, login_as, monkeypatch):
    """Camunda's includeProcessInstances: the definition and its cases in one transaction. A node killed while the
    cases are being suspended leaves all as it was; the retry with the same key does it all."""
    from app.services import suspension

    key = f"susp_{uuid.uuid4().hex[:8]}"
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": ONE_TASK.format(key=key)}).status_code == 200
    window = login_as("window_cg")
    running = [window.post(f"/process-definition/key/{key}/start", {"variables": typed()}).json["id"]
               for _ in range(3)]
    designer, supervisor = login_as("designer"), login_as("supervisor")
    url = f"/engine-rest/process-definition/key/{key}/suspended"
    body = {"suspended": True, "includeProcessInstances": True}
    headers = {**designer.headers, "Idempotency-Key": f"suspend-{key}"}
    suspend_one, seen = suspension._suspend, []

    def killed_at_the_second_case(*args, **kwargs):
        if len(seen) == 1:
            raise NodeKilled
        seen.append(suspend_one(*args, **kwargs))

    monkeypatch.setattr(suspension, "_suspend", killed_at_the_second_case)
    try:
        designer.client.put(url, json=body, headers=headers)
    except NodeKilled:
        pass
    monkeypatch.undo()
    assert len(seen) == 1
    assert designer.get(f"/process-definition/key/{key}").json["suspended"] is False  # nothing of it stands
    assert [supervisor.get(f"/process-instance/{c}").json["suspended"] for c in running] == [False] * 3
    done = designer.client.put(url, json=body, headers=headers)
    assert done.status_code == 204 and "Idempotent-Replayed" not in done.headers, done.text
    assert designer.get(f"/process-definition/key/{key}").json["suspended"] is True
    assert [supervisor.get(f"/process-instance/{c}").json["suspended"] for c in running] == [True] * 3
    assert supervisor.get("/task/count", processDefinitionKey=key, suspended="true").json == {"count": 3}
    again = designer.client.put(url, json=body, headers=headers)
    assert again.status_code == 204 and again.headers["Idempotent-Replayed"] == "true"


def test_a_designer_who_may_not_suspend_cases_changes_no_definition_either(login_as, monkeypatch):
    """includeProcessInstances asks for the cases too: refused as a whole before anything changes."""
    from app.domain import actors

    key = f"susp_{uuid.uuid4().hex[:8]}"
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": ONE_TASK.format(key=key)}).status_code == 200
    designer = login_as("designer")
    monkeypatch.setitem(actors.PERMISSIONS, "case.suspend", frozenset({"supervisor"}))
    refused = designer.put(f"/process-definition/key/{key}/suspended", {"suspended": True,
                                                                        "includeProcessInstances": True})
    assert refused.status_code == 403
    monkeypatch.undo()
    assert designer.get(f"/process-definition/key/{key}").json["suspended"] is False
