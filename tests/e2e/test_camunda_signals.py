"""POST /signal: a signal reaches every case in the sender's scope waiting for it — at a signal intermediate catch
event or a signal boundary event — with its variables, each delivery a case event replay reproduces; what the
service cannot do with signals (throw one, start a case by one) is refused at deploy naming the element."""

import uuid

import pytest

from tests.support.deployments import deploy_files

DEFINITIONS = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
               '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
               '{signals}<bpmn:process id="{key}" isExecutable="true">\n{body}\n</bpmn:process>\n</bpmn:definitions>')


def _waiting(key: str, standard: str, withdrawn: str) -> str:
    """A case that waits for the signal `standard` (then re-checks) while its `work` can be withdrawn by the signal
    `withdrawn` (an interrupting boundary event)."""
    signals = (f'<bpmn:signal id="s_standard" name="{standard}"/><bpmn:signal id="s_withdrawn" name="{withdrawn}"/>')
    body = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/>'
            '<bpmn:parallelGateway id="split"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="standard_changed"/>'
            '<bpmn:intermediateCatchEvent id="standard_changed" name="低保标准调整">'
            '<bpmn:signalEventDefinition signalRef="s_standard"/></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="f2" sourceRef="standard_changed" targetRef="recheck"/>'
            '<bpmn:userTask id="recheck" name="重新核定" camunda:candidateGroups="window"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="recheck" targetRef="e1"/><bpmn:endEvent id="e1"/>'
            '<bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="work"/>'
            '<bpmn:userTask id="work" name="受理" camunda:candidateGroups="window"/>'
            '<bpmn:sequenceFlow id="f5" sourceRef="work" targetRef="e2"/><bpmn:endEvent id="e2"/>'
            '<bpmn:boundaryEvent id="withdraw" name="撤回申请" attachedToRef="work">'
            '<bpmn:signalEventDefinition signalRef="s_withdrawn"/></bpmn:boundaryEvent>'
            '<bpmn:sequenceFlow id="f6" sourceRef="withdraw" targetRef="e3"/><bpmn:endEvent id="e3"/>')
    return DEFINITIONS.format(key=key, signals=signals, body=body)


@pytest.fixture()
def process(login_as):
    key = f"sig_{uuid.uuid4().hex[:8]}"
    names = {"key": key, "standard": f"标准调整-{key}", "withdrawn": f"撤回-{key}"}
    deployed = deploy_files(login_as("designer"), {f"{key}.bpmn": _waiting(key, names["standard"], names["withdrawn"])})
    assert deployed.status_code == 200, deployed.json
    return names


def _start(login_as, window: str, key: str) -> str:
    started = login_as(window).post(f"/process-definition/key/{key}/start", {"businessKey": f"SG-{uuid.uuid4().hex}"})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _steps(api, case_id: str) -> list[str]:
    return sorted(t["taskDefinitionKey"] for t in api.get("/task", processInstanceId=case_id).json)


def test_a_signal_reaches_every_waiting_case_in_scope_with_its_variables(process, login_as):
    supervisor = login_as("supervisor")
    ours = [_start(login_as, "window_cg", process["key"]) for _ in range(2)]
    elsewhere = _start(login_as, "window_hd", process["key"])
    subscriptions = supervisor.get("/event-subscription", processInstanceId=ours[0], eventType="signal").json
    assert sorted((s["eventName"], s["activityId"]) for s in subscriptions) == sorted([
        (process["standard"], "standard_changed"), (process["withdrawn"], "withdraw")])
    assert supervisor.get("/event-subscription", processInstanceId=ours[0], eventType="message").json == []
    waiting = supervisor.get("/execution", processDefinitionKey=process["key"],
                             signalEventSubscriptionName=process["standard"])
    assert sorted(c["id"] for c in waiting.json) == sorted([*ours, elsewhere]), waiting.json
    # a message of the signal's name is no signal: no case waits for such a message
    assert login_as("window_cg").post("/message", {"messageName": process["standard"]}).status_code == 400
    sent = login_as("window_cg").post("/signal", {"name": process["standard"],  # the township of 城关 only
                                                  "variables": {"new_standard": {"value": 820, "type": "Integer"}}})
    assert sent.status_code == 204, sent.json
    for case_id in ours:
        assert _steps(supervisor, case_id) == ["recheck", "work"]
        assert supervisor.get(f"/process-instance/{case_id}/variables/new_standard").json["value"] == 820
    assert _steps(supervisor, elsewhere) == ["work"]  # 河东's case is outside the sender's township
    assert supervisor.post("/signal", {"name": process["standard"]}).status_code == 204
    assert _steps(supervisor, elsewhere) == ["recheck", "work"]
    # the interrupting boundary event ends the work it sits on
    assert supervisor.post("/signal", {"name": process["withdrawn"], "executionId": ours[0]}).status_code == 204
    assert _steps(supervisor, ours[0]) == ["recheck"] and _steps(supervisor, ours[1]) == ["recheck", "work"]
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{ours[0]}/events", headers=auditor.headers).json["events"]
    assert [e["command"] for e in events][-2:] == ["signal", "signal"]
    verdict = auditor.client.get(f"/api/audit/cases/{ours[0]}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True, verdict
    history = supervisor.get("/history/activity-instance", processInstanceId=ours[0],
                             activityId="standard_changed").json
    assert [h["activityType"] for h in history] == ["intermediateSignalCatch"]


def test_a_signal_is_aimed_or_refused_by_name(process, login_as):
    supervisor = login_as("supervisor")
    first, second = (_start(login_as, "window_cg", process["key"]) for _ in range(2))
    missing = supervisor.post("/signal", {"name": f"nobody-{uuid.uuid4().hex}"})
    assert missing.status_code == 204  # as Camunda: a signal nothing waits for reaches no case
    not_waiting = supervisor.post("/signal", {"name": f"nobody-{uuid.uuid4().hex}", "executionId": first})
    assert not_waiting.status_code == 400 and not_waiting.json["field"] == "executionId"
    assert supervisor.post("/signal", {"name": process["standard"], "tenantId": "elsewhere"}).status_code == 204
    assert _steps(supervisor, first) == ["work"]  # no case of that county
    for body, field in (({"name": process["standard"], "withoutTenantId": True}, "withoutTenantId"),
                        ({"name": ""}, "name"), ({}, "name"),
                        ({"name": process["standard"], "nonsense": 1}, "nonsense"),
                        ({"name": process["standard"], "variables": {"x": {"value": "y", "type": "Nonsense"}}},
                         "variables.x")):
        refused = supervisor.post("/signal", body)
        assert refused.status_code == 400 and refused.json.get("field", "").startswith(field.split(".")[0]), (
            body, refused.json)
    assert login_as("designer").post("/signal", {"name": process["standard"]}).status_code == 403
    assert supervisor.put(f"/process-instance/{second}/suspended", {"suspended": True}).status_code == 204
    assert supervisor.post("/signal", {"name": process["standard"], "tenantId": "sfx"}).status_code == 204
    assert (_steps(supervisor, first), _steps(supervisor, second)) == (["recheck", "work"], ["work"])
    held = supervisor.post("/signal", {"name": process["withdrawn"], "executionId": second})
    assert held.status_code == 409  # a suspended case takes no signal until it is activated


@pytest.mark.parametrize("event", ["intermediateThrowEvent", "endEvent", "startEvent"])
def test_what_the_service_cannot_do_with_signals_is_refused_at_deploy(login_as, event):
    element = f'<bpmn:{event} id="shout"><bpmn:signalEventDefinition signalRef="sg"/></bpmn:{event}>'
    key = f"sigr_{uuid.uuid4().hex[:8]}"
    body = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="u"/>'
            '<bpmn:userTask id="u" camunda:candidateGroups="window"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="u" targetRef="e"/><bpmn:endEvent id="e"/>' + element)
    xml = DEFINITIONS.format(key=key, signals='<bpmn:signal id="sg" name="x"/>', body=body)
    refused = deploy_files(login_as("designer"), {f"{key}.bpmn": xml})
    assert refused.status_code == 400 and "信号" in refused.json["message"], refused.json
    assert "shout" in str(refused.json), refused.json  # the element is named
