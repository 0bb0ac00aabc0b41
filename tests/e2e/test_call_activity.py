"""Call activities at deploy time: unknown or cyclic calls are refused; variables pass as camunda:in/out map them.
(Which version a call runs: tests/e2e/test_call_binding.py.)"""

import json
import uuid

from tests.support.deployments import deploy_files, minimal_process


def _user_task(key: str, name: str) -> str:
    return minimal_process(key, f'<bpmn:userTask id="t" name="{name}" camunda:candidateGroups="window" />')


def _caller(key: str, callee: str, call_id: str = "call") -> str:
    return minimal_process(key, f'<bpmn:callActivity id="{call_id}" calledElement="{callee}" />', first=call_id)


def _keys(*names: str) -> list[str]:
    suffix = uuid.uuid4().hex[:8]
    return [f"{n}_{suffix}" for n in names]


def test_an_unknown_called_process_is_refused_naming_the_call_activity(login_as):
    caller, missing = _keys("caller", "missing")
    response = deploy_files(login_as("designer"), {"caller.bpmn": _caller(caller, missing, "call_missing")})
    assert response.status_code == 400, response.json
    assert response.json["element"] == "call_missing" and missing in response.json["message"]
    assert login_as("designer").get("/process-definition", key=caller).json == []


def test_a_process_calling_itself_is_refused(login_as):
    [loop] = _keys("loop")
    response = deploy_files(login_as("designer"), {"loop.bpmn": _caller(loop, loop, "call_self")})
    assert response.status_code == 400 and response.json["element"] == "call_self"
    assert "循环" in response.json["message"]


def test_two_processes_calling_each_other_are_refused(login_as):
    a, b = _keys("a", "b")
    response = deploy_files(login_as("designer"),
                            {"a.bpmn": _caller(a, b, "call_b"), "b.bpmn": _caller(b, a, "call_a")})
    assert response.status_code == 400 and response.json["element"] in ("call_a", "call_b")
    assert login_as("designer").get("/process-definition", key=a).json == []


def test_a_cycle_through_an_earlier_deployment_is_refused(login_as):
    a, b = _keys("a", "b")
    designer = login_as("designer")
    assert deploy_files(designer, {"a.bpmn": _user_task(a, "A")}).status_code == 200
    assert deploy_files(designer, {"b.bpmn": _caller(b, a, "call_a")}).status_code == 200
    response = deploy_files(designer, {"a.bpmn": _caller(a, b, "call_b")})
    assert response.status_code == 400 and response.json["element"] == "call_b"
    assert "→" in response.json["message"]


def test_only_the_variables_mapped_in_and_out_pass_between_caller_and_called(login_as):
    """camunda:in / camunda:out as Camunda passes them: the called process sees only what `in` names, the caller
    gets back only what `out` names (an unset source arrives as null)."""
    callee, caller = _keys("callee", "caller")
    called = minimal_process(callee, '<bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>'
                                     'seen = [amount, doubled]\nother = 1</bpmn:script></bpmn:scriptTask>')
    calling = minimal_process(caller, f'<bpmn:callActivity id="call" calledElement="{callee}"><bpmn:extensionElements>'
                                      '<camunda:in source="amount" target="amount" />'
                                      '<camunda:in sourceExpression="${amount * 2}" target="doubled" />'
                                      '<camunda:out source="seen" target="seen" />'
                                      '<camunda:out source="secret" target="secret_inside" />'
                                      '</bpmn:extensionElements></bpmn:callActivity>'
                                      '<bpmn:userTask id="after" camunda:candidateGroups="window" />'
                                      '<bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="after" />',
                              first="call").replace('<bpmn:sequenceFlow id="f2" sourceRef="call"',
                                                    '<bpmn:sequenceFlow id="f2" sourceRef="after"')
    designer = login_as("designer")
    assert deploy_files(designer, {"callee.bpmn": called, "caller.bpmn": calling}).status_code == 200
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": caller, "variables": {
        "amount": {"value": 5}, "secret": {"value": "x"}}})
    assert started.status_code == 200, started.json
    found = window.get(f"/process-instance/{started.json['id']}/variables").json
    seen = found["seen"]["value"]
    assert (json.loads(seen) if isinstance(seen, str) else seen) == [5, 10]
    assert found["secret_inside"]["value"] is None and "other" not in found and "doubled" not in found


def test_a_call_bound_to_its_deployment_calls_a_process_of_that_deployment_or_is_refused(login_as):
    callee, caller = _keys("callee", "caller")
    designer = login_as("designer")
    assert deploy_files(designer, {"callee.bpmn": _user_task(callee, "另一次部署")}).status_code == 200
    bound = _caller(caller, callee, "call_bound").replace(
        '<bpmn:callActivity id="call_bound"',
        '<bpmn:callActivity id="call_bound" camunda:calledElementBinding="deployment"')
    response = deploy_files(designer, {"caller.bpmn": bound})
    assert response.status_code == 400 and response.json["element"] == "call_bound"
    assert callee in response.json["message"] and "deployment" in response.json["message"]
    both = deploy_files(designer, {"caller.bpmn": bound, "callee.bpmn": _user_task(callee, "同一次部署")})
    assert both.status_code == 200, both.json
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": caller}).json
    [called] = window.get("/process-instance", superProcessInstance=started["id"]).json
    [task] = window.get("/task", processInstanceId=called["id"]).json
    assert task["name"] == "同一次部署" and called["definitionId"].startswith(f"{callee}:2:")
