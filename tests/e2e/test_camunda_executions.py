"""/execution: each case is its own root execution (the executionId every answer names), so its local variables
are the case's variables and its message subscriptions the case's waits."""

import uuid

import pytest

from tests.conftest import typed
from tests.support.deployments import deploy_files

WAITS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="m_{key}" name="{key}_ping" />
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="variables" value="reply" /></camunda:properties>
      </bpmn:extensionElements>
      <bpmn:messageEventDefinition messageRef="m_{key}" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="t" />
    <bpmn:userTask id="t" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(scope="module")
def waiting(app):
    from tests.conftest import Api

    key = f"exe_{uuid.uuid4().hex[:8]}"
    assert deploy_files(Api(app.test_client(), "designer"), {f"{key}.bpmn": WAITS.format(key=key)}).status_code == 200
    window = Api(app.test_client(), "window_cg")
    ids = [window.post(f"/process-definition/key/{key}/start", {"businessKey": f"{key}-{n}",
                                                                "variables": typed(note=f"n{n}")}).json["id"]
           for n in range(2)]
    return key, ids


def test_each_case_is_one_execution_filtered_as_camunda_filters_executions(login_as, waiting):
    key, ids = waiting
    api = login_as("supervisor")
    listed = api.get("/execution", processDefinitionKey=key, sortBy="instanceId", sortOrder="asc").json
    assert listed == [{"id": i, "processInstanceId": i, "ended": False, "tenantId": "sfx"} for i in sorted(ids)]
    assert api.get("/execution/count", processDefinitionKey=key, tenantIdIn="sfx,ta").json == {"count": 2}
    assert api.post("/execution/count", {"processDefinitionKey": key, "tenantIdIn": ["ta"]}).json == {"count": 0}
    assert api.get("/execution/count", processDefinitionKey=key, activityId="wait").json == {"count": 2}
    assert api.get("/execution/count", processDefinitionKey=key, messageEventSubscriptionName=f"{key}_ping"
                   ).json == {"count": 2}
    assert api.get("/execution/count", businessKey=f"{key}-1").json == {"count": 1}
    assert api.post("/execution/count", {"processDefinitionKey": key, "signalEventSubscriptionName": "x"}
                    ).json == {"count": 0}
    assert api.post("/execution", {"processInstanceId": ids[0], "sorting": [
        {"sortBy": "definitionId", "sortOrder": "desc"}]}).json[0]["id"] == ids[0]
    refused = api.get("/execution", variables="note_eq_n0")
    assert refused.status_code == 400 and refused.json["field"] == "variables"
    assert api.get(f"/execution/{ids[0]}").json == listed[sorted(ids).index(ids[0])]
    assert login_as("window_hd").get(f"/execution/{ids[0]}").status_code == 404


def test_an_executions_local_variables_are_the_cases(login_as, waiting):
    _key, ids = waiting
    api = login_as("supervisor")
    assert api.get(f"/execution/{ids[0]}/localVariables").json == api.get(f"/process-instance/{ids[0]}/variables").json
    assert api.put(f"/execution/{ids[0]}/localVariables/extra", {"value": 5, "type": "Integer"}).status_code == 204
    assert api.get(f"/process-instance/{ids[0]}/variables/extra").json == {"value": 5, "type": "Integer",
                                                                           "valueInfo": {}}
    assert api.delete(f"/execution/{ids[0]}/localVariables/extra").status_code == 204
    assert api.get(f"/execution/{ids[0]}/localVariables/extra").status_code == 404
    assert login_as("window_cg").put(f"/execution/{ids[0]}/localVariables/x", {"value": 1}).status_code == 403


def test_a_message_subscription_is_read_and_triggered(login_as, waiting):
    key, ids = waiting
    api = login_as("window_cg")
    found = api.get(f"/execution/{ids[1]}/messageSubscriptions/{key}_ping").json
    assert (found["eventType"], found["activityId"], found["executionId"]) == ("message", "wait", ids[1])
    assert api.get(f"/execution/{ids[1]}/messageSubscriptions/other").status_code == 404
    undeclared = api.post(f"/execution/{ids[1]}/messageSubscriptions/{key}_ping/trigger",
                          {"variables": {"other": {"value": 1}}})
    assert undeclared.status_code == 400 and undeclared.json["field"] == "variables.other"
    done = api.post(f"/execution/{ids[1]}/messageSubscriptions/{key}_ping/trigger",
                    {"variables": {"reply": {"value": "到了", "type": "String"}}})
    assert done.status_code == 204, done.json
    assert [t["taskDefinitionKey"] for t in api.get("/task", processInstanceId=ids[1]).json] == ["t"]
    assert login_as("supervisor").get(f"/process-instance/{ids[1]}/variables/reply").json["value"] == "到了"
    again = api.post(f"/execution/{ids[1]}/messageSubscriptions/{key}_ping/trigger", {})
    assert again.status_code == 404
