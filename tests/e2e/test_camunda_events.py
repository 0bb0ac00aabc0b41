"""Escalation, compensation, link and cancel events, event subprocesses and transactions drawn for Camunda 7 run as
Camunda's documentation says: the path taken, the tasks opened and closed, the history kept; each case still
replays from its events (audit verification)."""

import json
import uuid
from pathlib import Path

import pytest

from app.engine.serializer import inflate_state
from app.store.tables import ProcessInstance
from tests.support.deployments import deploy_files

FIXTURES = Path(__file__).parents[1] / "fixtures" / "camunda_events"


def _deploy(login_as, filename: str) -> str:
    response = deploy_files(login_as("designer"), {filename: (FIXTURES / filename).read_bytes()}, filename)
    assert response.status_code == 200, response.json
    return next(iter(response.json["deployedProcessDefinitions"]))


def _start(api, definition: str, **variables) -> str:
    started = api.post(f"/process-definition/{definition}/start",
                       {"variables": {k: {"value": v} for k, v in variables.items()}})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _tasks(api, instance: str) -> dict[str, str]:
    return {t["taskDefinitionKey"]: t["id"] for t in api.get("/task", processInstanceId=instance).json}


def _complete(api, task_id: str, **variables) -> None:
    done = api.post(f"/task/{task_id}/complete", {"variables": {k: {"value": v} for k, v in variables.items()}})
    assert done.status_code == 204, done.json


def _history(api, instance: str) -> list[tuple[str, str, bool]]:
    """(activity id, activity type, canceled) of each activity instance, in the order they started."""
    found = api.get("/history/activity-instance", processInstanceId=instance, sortBy="startTime",
                    sortOrder="asc").json
    return [(a["activityId"], a["activityType"], a["canceled"]) for a in found]


def _ended(api, instance: str) -> bool:
    return api.get(f"/history/process-instance/{instance}").json["state"] == "COMPLETED"


def _verified(login_as, instance: str) -> bool:
    api = login_as("auditor")
    return api.client.get(f"/api/audit/cases/{instance}/verify", headers=api.headers).json["ok"] is True


@pytest.fixture
def window(login_as):
    return login_as("window_cg")


# -- escalation ----------------------------------------------------------------------------------------------


def test_a_non_interrupting_escalation_opens_its_path_and_the_subprocess_goes_on(login_as, window):
    definition = _deploy(login_as, "escalation.bpmn")
    instance = _start(window, definition)
    _complete(window, _tasks(window, instance)["check"], outcome="suspicious")
    tasks = _tasks(window, instance)
    assert sorted(tasks) == ["finish_review", "inform_supervisor"]
    _complete(window, tasks["inform_supervisor"])
    _complete(window, tasks["finish_review"])
    _complete(window, _tasks(window, instance)["decide"])
    assert _ended(window, instance)
    history = _history(window, instance)
    assert ("raise_suspicion", "intermediateEscalationThrowEvent", False) in history
    assert ("suspicion_noted", "boundaryEscalation", False) in history
    assert ("review", "subProcess", False) in history
    assert "report_fraud" not in [a for a, _, _ in history]
    assert _verified(login_as, instance)


def test_an_escalation_end_event_interrupts_the_subprocess_its_boundary_catches_it(login_as, window):
    definition = _deploy(login_as, "escalation.bpmn")
    instance = _start(window, definition)
    _complete(window, _tasks(window, instance)["check"], outcome="fraud")
    assert sorted(_tasks(window, instance)) == ["report_fraud"]
    _complete(window, _tasks(window, instance)["report_fraud"])
    assert _ended(window, instance)
    history = _history(window, instance)
    assert ("fraud_found", "escalationEndEvent", False) in history
    assert ("fraud_caught", "boundaryEscalation", False) in history
    assert ("review", "subProcess", True) in history, "\n".join(map(str, history))
    assert not {"decide", "inform_supervisor"} & {a for a, _, _ in history}
    assert _verified(login_as, instance)



def test_an_escalation_reported_on_a_task_fires_its_non_interrupting_boundary_and_the_task_stays(login_as, window):
    """Camunda's POST /task/{id}/bpmnEscalation: the boundary event catching the code fires; being
    non-interrupting, the task stays open; a code nothing catches is refused naming the field."""
    definition = _deploy(login_as, "escalation.bpmn")
    instance = _start(window, definition)
    check = _tasks(window, instance)["check"]
    refused = window.post(f"/task/{check}/bpmnEscalation", {"escalationCode": "nobody-catches-this"})
    assert refused.status_code == 400 and refused.json["field"] == "escalationCode", refused.json
    assert login_as("finance").post(f"/task/{check}/bpmnEscalation", {"escalationCode": "help"}).status_code in (
        403, 404)
    raised = window.post(f"/task/{check}/bpmnEscalation", {
        "escalationCode": "help", "variables": {"question": {"value": "收入证明缺页", "type": "String"}}})
    assert raised.status_code == 204, raised.json
    tasks = _tasks(window, instance)
    assert sorted(tasks) == ["advise", "check"] and tasks["check"] == check
    assert window.get(f"/task/{tasks['advise']}/variables/question").json["value"] == "收入证明缺页"
    # the boundary event stays subscribed while its task is open, as on Camunda: a second escalation fires it again
    assert window.post(f"/task/{check}/bpmnEscalation", {"escalationCode": "help"}).status_code == 204
    advice = [t["id"] for t in window.get("/task", processInstanceId=instance).json
              if t["taskDefinitionKey"] == "advise"]
    assert len(advice) == 2
    for task_id in advice:
        _complete(window, task_id)
    _complete(window, check, outcome="clean")
    _complete(window, _tasks(window, instance)["decide"])
    assert _ended(window, instance)
    assert ("help_requested", "boundaryEscalation", False) in _history(window, instance)
    assert _verified(login_as, instance)


# -- transactions --------------------------------------------------------------------------------------------


def test_a_transaction_that_completes_goes_on_along_its_flow(login_as, window):
    definition = _deploy(login_as, "transaction.bpmn")
    instance = _start(window, definition)
    _complete(window, _tasks(window, instance)["book_payment"], bank_rejected=False)
    assert sorted(_tasks(window, instance)) == ["confirm"]
    _complete(window, _tasks(window, instance)["confirm"])
    assert _ended(window, instance)
    history = _history(window, instance)
    assert ("payment", "transaction", False) in history
    assert "notify_failure" not in [a for a, _, _ in history]
    assert _verified(login_as, instance)


def test_a_cancel_end_event_cancels_the_transaction_and_its_cancel_boundary_event_catches_it(login_as, window):
    definition = _deploy(login_as, "transaction.bpmn")
    instance = _start(window, definition)
    _complete(window, _tasks(window, instance)["book_payment"], bank_rejected=True)
    assert sorted(_tasks(window, instance)) == ["notify_failure"]
    _complete(window, _tasks(window, instance)["notify_failure"])
    assert _ended(window, instance)
    history = _history(window, instance)
    assert ("payment_cancelled", "cancelEndEvent", False) in history
    assert ("payment_failed", "cancelBoundaryCatch", False) in history
    assert ("payment", "transaction", True) in history
    assert "confirm" not in [a for a, _, _ in history]
    assert _verified(login_as, instance)


# -- link events ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing, path", [(False, ["intake", "decide"]),
                                           (True, ["intake", "request_documents", "decide"])])
def test_a_link_throw_event_jumps_to_the_link_catch_event_of_its_name(login_as, window, missing, path):
    """As in Camunda, the throw event is a jump, not an activity: history shows only the catch event."""
    definition = _deploy(login_as, "link.bpmn")
    instance = _start(window, definition)
    _complete(window, _tasks(window, instance)["intake"], missing=missing)
    if missing:
        _complete(window, _tasks(window, instance)["request_documents"])
    assert sorted(_tasks(window, instance)) == ["decide"]
    _complete(window, _tasks(window, instance)["decide"])
    assert _ended(window, instance)
    history = _history(window, instance)
    assert [a for a, kind, _ in history if kind == "userTask"] == path
    assert ("decision_link", "intermediateLinkCatch", False) in history
    assert not {"to_decision", "also_to_decision"} & {a for a, _, _ in history}
    assert _verified(login_as, instance)


# -- conditional events --------------------------------------------------------------------------------------


def test_a_conditional_event_waits_until_a_completed_task_makes_its_condition_true(login_as, window):
    """Camunda evaluates the condition on arrival and again whenever a variable changes, also one set by a task
    completed on another branch."""
    definition = _deploy(login_as, "conditional.bpmn")
    instance = _start(window, definition, documents=1)
    assert sorted(_tasks(window, instance)) == ["collect_documents"]
    _complete(window, _tasks(window, instance)["collect_documents"], documents=3)
    assert sorted(_tasks(window, instance)) == ["assess"]
    _complete(window, _tasks(window, instance)["assess"])
    assert _ended(window, instance)
    history = _history(window, instance)
    assert ("documents_complete", "intermediateConditional", False) in history
    assert _verified(login_as, instance)


def test_a_conditional_event_fires_when_a_supervisor_sets_the_variable(login_as, window):
    definition = _deploy(login_as, "conditional.bpmn")
    instance = _start(window, definition, documents=0)
    set_to = {"modifications": {"documents": {"value": 2, "type": "Integer"}}}
    assert login_as("supervisor").post(f"/process-instance/{instance}/variables", set_to).status_code == 204
    assert sorted(_tasks(window, instance)) == ["collect_documents"]
    set_to["modifications"]["documents"]["value"] = 5
    assert login_as("supervisor").post(f"/process-instance/{instance}/variables", set_to).status_code == 204
    assert sorted(_tasks(window, instance)) == ["assess", "collect_documents"]
    assert _verified(login_as, instance)


def test_a_conditional_event_whose_condition_holds_on_arrival_passes_at_once(login_as, window):
    definition = _deploy(login_as, "conditional.bpmn")
    instance = _start(window, definition, documents=4)
    assert sorted(_tasks(window, instance)) == ["assess", "collect_documents"]
    assert _verified(login_as, instance)


def test_an_escalation_nothing_catches_passes_as_on_camunda(app, login_as, window):
    """Camunda: an escalation without a catching boundary or event subprocess is no error; the flow goes on."""
    body = ('<bpmn:escalation id="esc" escalationCode="unheard"/><bpmn:process id="{key}" isExecutable="true">'
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="shout"/>'
            '<bpmn:intermediateThrowEvent id="shout"><bpmn:escalationEventDefinition escalationRef="esc"/>'
            '</bpmn:intermediateThrowEvent><bpmn:sequenceFlow id="f2" sourceRef="shout" targetRef="next"/>'
            '<bpmn:userTask id="next" camunda:candidateGroups="window"/><bpmn:sequenceFlow id="f3" sourceRef="next" '
            'targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process>')
    key = f"uncaught_{uuid.uuid4().hex[:8]}"
    xml = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
           '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">'
           + body.format(key=key) + '</bpmn:definitions>')
    response = deploy_files(login_as("designer"), {f"{key}.bpmn": xml}, key)
    assert response.status_code == 200, response.json
    instance = _start(window, next(iter(response.json["deployedProcessDefinitions"])))
    assert sorted(_tasks(window, instance)) == ["next"]
    with app.app_context(), app.extensions["runtime"].unit_of_work() as uow:
        state = json.loads(inflate_state(uow.session.get(ProcessInstance, instance).workflow))
    assert state["bpmn_events"] == []  # not kept, with a copy of the case data, as an event still to hand out
    _complete(window, _tasks(window, instance)["next"])
    assert _ended(window, instance)
    assert _verified(login_as, instance)


def _inline(login_as, body: str) -> str:
    """Deploy a one-process diagram around `body` (`{key}` is its key); answer its definition id."""
    key = f"inline_{uuid.uuid4().hex[:8]}"
    xml = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
           '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">'
           + body.format(key=key) + '</bpmn:definitions>')
    response = deploy_files(login_as("designer"), {f"{key}.bpmn": xml}, key)
    assert response.status_code == 200, response.json
    return next(iter(response.json["deployedProcessDefinitions"]))


def test_a_non_interrupting_message_boundary_event_fires_for_each_message_while_its_task_is_open(login_as, window):
    """Camunda keeps the subscription of a non-interrupting boundary event while its activity runs."""
    definition = _inline(login_as, (
        '<bpmn:message id="m" name="documentArrived"/><bpmn:process id="{key}" isExecutable="true">'
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="assess"/>'
        '<bpmn:userTask id="assess" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="assess" targetRef="e"/><bpmn:endEvent id="e"/>'
        '<bpmn:boundaryEvent id="arrived" attachedToRef="assess" cancelActivity="false">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent>'
        '<bpmn:sequenceFlow id="f3" sourceRef="arrived" targetRef="file"/>'
        '<bpmn:userTask id="file" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="file" targetRef="fe"/><bpmn:endEvent id="fe"/></bpmn:process>'))
    instance = _start(window, definition)
    for _ in range(2):
        sent = window.post("/message", {"messageName": "documentArrived", "processInstanceId": instance})
        assert sent.status_code == 204, sent.json
    tasks = window.get("/task", processInstanceId=instance).json
    assert sorted(t["taskDefinitionKey"] for t in tasks) == ["assess", "file", "file"]
    _complete(window, _tasks(window, instance)["assess"])
    late = window.post("/message", {"messageName": "documentArrived", "processInstanceId": instance})
    assert late.status_code >= 400  # the task is done: nothing waits for the message any more
    for task in window.get("/task", processInstanceId=instance).json:
        _complete(window, task["id"])
    assert _ended(window, instance)
    assert _verified(login_as, instance)


def test_an_escalation_thrown_in_a_called_process_is_caught_on_the_call_activity(login_as, window):
    """Camunda propagates an escalation from a called process to the boundary events of the call activity."""
    key = f"caller_{uuid.uuid4().hex[:8]}"
    defs = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d{n}" targetNamespace="t">'
            '<bpmn:escalation id="esc" escalationCode="late"/>{body}</bpmn:definitions>')
    called = (f'<bpmn:process id="{key}_called" isExecutable="true"><bpmn:startEvent id="cs"/>'
              '<bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="late"/><bpmn:intermediateThrowEvent id="late">'
              '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>'
              '<bpmn:sequenceFlow id="c2" sourceRef="late" targetRef="work"/><bpmn:userTask id="work" '
              'camunda:candidateGroups="window"/><bpmn:sequenceFlow id="c3" sourceRef="work" targetRef="ce"/>'
              '<bpmn:endEvent id="ce"/></bpmn:process>')
    caller = (f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" '
              f'sourceRef="s" targetRef="call"/><bpmn:callActivity id="call" calledElement="{key}_called"/>'
              '<bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="e"/><bpmn:endEvent id="e"/>'
              '<bpmn:boundaryEvent id="noticed" attachedToRef="call" cancelActivity="false">'
              '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>'
              '<bpmn:sequenceFlow id="f3" sourceRef="noticed" targetRef="inform"/><bpmn:userTask id="inform" '
              'camunda:candidateGroups="window"/><bpmn:sequenceFlow id="f4" sourceRef="inform" targetRef="ie"/>'
              '<bpmn:endEvent id="ie"/></bpmn:process>')
    response = deploy_files(login_as("designer"), {f"{key}_called.bpmn": defs.format(n=1, body=called),
                                                   f"{key}.bpmn": defs.format(n=2, body=caller)}, key)
    assert response.status_code == 200, response.json
    definition = next(d for d, about in response.json["deployedProcessDefinitions"].items() if about["key"] == key)
    instance = _start(window, definition)
    opened = {t["taskDefinitionKey"] for t in window.get("/task", processInstanceId=instance).json}
    assert "inform" in opened, opened
    assert ("noticed", "boundaryEscalation", False) in _history(window, instance)
    assert _verified(login_as, instance)


def test_a_non_interrupting_signal_boundary_event_fires_for_each_signal_while_its_task_is_open(login_as, window):
    name = f"rules-{uuid.uuid4().hex[:8]}"
    definition = _inline(login_as, (
        f'<bpmn:signal id="sig" name="{name}"/><bpmn:process id="{{key}}" isExecutable="true">'
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="assess"/>'
        '<bpmn:userTask id="assess" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="assess" targetRef="e"/><bpmn:endEvent id="e"/>'
        '<bpmn:boundaryEvent id="rules_changed" attachedToRef="assess" cancelActivity="false">'
        '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:boundaryEvent>'
        '<bpmn:sequenceFlow id="f3" sourceRef="rules_changed" targetRef="note"/>'
        '<bpmn:userTask id="note" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="note" targetRef="ne"/><bpmn:endEvent id="ne"/></bpmn:process>'))
    instance = _start(window, definition)
    supervisor = login_as("supervisor")
    for _ in range(2):
        sent = supervisor.post("/signal", {"name": name, "executionId": instance})
        assert sent.status_code == 204, sent.json
    tasks = window.get("/task", processInstanceId=instance).json
    assert sorted(t["taskDefinitionKey"] for t in tasks) == ["assess", "note", "note"]
    assert _verified(login_as, instance)


def test_the_path_of_a_boundary_event_on_a_subprocess_sees_the_variables_set_inside_it(login_as, window):
    """In Camunda what a task inside the subprocess set is a case variable, also on the boundary event's path."""
    definition = _inline(login_as, (
        '<bpmn:message id="m" name="withdrawn"/><bpmn:process id="{key}" isExecutable="true">'
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>'
        '<bpmn:subProcess id="review"><bpmn:startEvent id="rs"/><bpmn:sequenceFlow id="r1" sourceRef="rs" '
        'targetRef="check"/><bpmn:userTask id="check" camunda:candidateGroups="window"/><bpmn:sequenceFlow id="r2" '
        'sourceRef="check" targetRef="decide"/><bpmn:userTask id="decide" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="r3" sourceRef="decide" targetRef="re"/><bpmn:endEvent id="re"/></bpmn:subProcess>'
        '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/><bpmn:endEvent id="e"/>'
        '<bpmn:boundaryEvent id="withdrawal" attachedToRef="review"><bpmn:messageEventDefinition messageRef="m"/>'
        '</bpmn:boundaryEvent><bpmn:sequenceFlow id="f3" sourceRef="withdrawal" targetRef="close"/>'
        '<bpmn:userTask id="close" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="close" targetRef="ce"/><bpmn:endEvent id="ce"/></bpmn:process>'))
    instance = _start(window, definition)
    _complete(window, _tasks(window, instance)["check"], income=1234)
    assert window.post("/message", {"messageName": "withdrawn", "processInstanceId": instance}).status_code == 204
    close = _tasks(window, instance)["close"]
    assert window.get(f"/task/{close}/variables/income").json["value"] == 1234
    _complete(window, close)
    assert _ended(window, instance)
    assert _verified(login_as, instance)
