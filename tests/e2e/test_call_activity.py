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


def _local_call(caller: str, callee: str, mappings: str) -> str:
    return minimal_process(caller, f'<bpmn:callActivity id="call" calledElement="{callee}"><bpmn:extensionElements>'
                                   f'{mappings}</bpmn:extensionElements></bpmn:callActivity>', first="call")


def _called_task(login_as, case_id: str) -> tuple[dict, dict]:
    window = login_as("window_cg")
    [called] = window.get("/process-instance", superProcessInstance=case_id).json
    [task] = window.get("/task", processInstanceId=called["id"]).json
    return called, task


def test_a_call_activity_passes_only_its_local_variables_with_in_local(login_as):
    """Camunda: `camunda:in variables="all" local="true"` passes only the call activity's local variables (its input
    parameters), none of the case's."""
    callee, caller = _keys("callee", "caller")
    calling = _local_call(caller, callee, '<camunda:inputOutput><camunda:inputParameter name="doubled">${amount * 2}'
                                          '</camunda:inputParameter></camunda:inputOutput>'
                                          '<camunda:in variables="all" local="true" />')
    assert deploy_files(login_as("designer"), {"callee.bpmn": _user_task(callee, "被调用"),
                                               "caller.bpmn": calling}).status_code == 200
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": caller, "variables": {
        "amount": {"value": 5}, "secret": {"value": "x"}}})
    assert started.status_code == 200, started.json
    called, _ = _called_task(login_as, started.json["id"])
    passed = window.get(f"/process-instance/{called['id']}/variables").json
    assert {name: v["value"] for name, v in passed.items()} == {"doubled": 10}
    assert "doubled" not in window.get(f"/process-instance/{started.json['id']}/variables").json


def test_out_local_sets_the_call_activitys_own_variables_which_its_output_parameters_read(login_as):
    """Camunda: an input parameter is the call activity's local variable, which `camunda:in source` reads before the
    case's; `camunda:out local="true"` sets a local variable of the call activity, which ends with it — its output
    parameters read it into the case."""
    callee, caller = _keys("callee", "caller")
    calling = _local_call(caller, callee, '<camunda:inputOutput>'
                                          '<camunda:inputParameter name="amount">${amount + 1}</camunda:inputParameter>'
                                          '<camunda:outputParameter name="reply">${answerLocal + "!"}'
                                          '</camunda:outputParameter></camunda:inputOutput>'
                                          '<camunda:in source="amount" target="amount" />'
                                          '<camunda:out source="answer" target="answerLocal" local="true" />')
    assert deploy_files(login_as("designer"), {"callee.bpmn": _user_task(callee, "被调用"),
                                               "caller.bpmn": calling}).status_code == 200
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": caller, "variables": {
        "amount": {"value": 5}}})
    assert started.status_code == 200, started.json
    called, task = _called_task(login_as, started.json["id"])
    assert window.get(f"/process-instance/{called['id']}/variables").json["amount"]["value"] == 6
    assert window.post(f"/task/{task['id']}/complete", {"variables": {"answer": {"value": "好"}}}).status_code == 204
    found = {v["name"]: v["value"] for v in login_as("auditor").get(
        "/history/variable-instance", processInstanceId=started.json["id"]).json}
    assert found["reply"] == "好!" and found["amount"] == 5 and "answerLocal" not in found and "answer" not in found
    auditor = login_as("auditor")
    verdict = auditor.client.get(f"/api/audit/cases/{started.json['id']}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True, verdict


def test_local_with_a_source_expression_is_refused_naming_the_call(login_as):
    callee, caller = _keys("callee", "caller")
    calling = _local_call(caller, callee, '<camunda:in sourceExpression="${1}" target="one" local="true" />')
    response = deploy_files(login_as("designer"), {"callee.bpmn": _user_task(callee, "被调用"),
                                                   "caller.bpmn": calling})
    assert response.status_code == 400 and response.json["element"] == "call"
    assert "local" in response.json["message"] and "sourceExpression" in response.json["message"]
