"""Call activities at deploy time: the called process is bound then; unknown or cyclic calls are refused."""

import uuid

from tests.e2e.test_deployment import _deploy, _minimal


def _user_task(key: str, name: str) -> str:
    return _minimal(key, f'<bpmn:userTask id="t" name="{name}" camunda:candidateGroups="window" />')


def _caller(key: str, callee: str, call_id: str = "call") -> str:
    return _minimal(key, f'<bpmn:callActivity id="{call_id}" calledElement="{callee}" />', first=call_id)


def _keys(*names: str) -> list[str]:
    suffix = uuid.uuid4().hex[:8]
    return [f"{n}_{suffix}" for n in names]


def test_an_unknown_called_process_is_refused_naming_the_call_activity(login_as):
    caller, missing = _keys("caller", "missing")
    response = _deploy(login_as("designer"), {"caller.bpmn": _caller(caller, missing, "call_missing")})
    assert response.status_code == 400, response.json
    assert response.json["element"] == "call_missing" and missing in response.json["message"]
    assert login_as("designer").get("/process-definition", key=caller).json == []


def test_a_process_calling_itself_is_refused(login_as):
    [loop] = _keys("loop")
    response = _deploy(login_as("designer"), {"loop.bpmn": _caller(loop, loop, "call_self")})
    assert response.status_code == 400 and response.json["element"] == "call_self"
    assert "循环" in response.json["message"]


def test_two_processes_calling_each_other_are_refused(login_as):
    a, b = _keys("a", "b")
    response = _deploy(login_as("designer"), {"a.bpmn": _caller(a, b, "call_b"), "b.bpmn": _caller(b, a, "call_a")})
    assert response.status_code == 400 and response.json["element"] in ("call_a", "call_b")
    assert login_as("designer").get("/process-definition", key=a).json == []


def test_a_cycle_through_an_earlier_deployment_is_refused(login_as):
    a, b = _keys("a", "b")
    designer = login_as("designer")
    assert _deploy(designer, {"a.bpmn": _user_task(a, "A")}).status_code == 200
    assert _deploy(designer, {"b.bpmn": _caller(b, a, "call_a")}).status_code == 200
    response = _deploy(designer, {"a.bpmn": _caller(a, b, "call_b")})
    assert response.status_code == 400 and response.json["element"] == "call_b"
    assert "→" in response.json["message"]


def test_the_called_version_is_bound_when_the_caller_is_deployed(login_as):
    callee, caller = _keys("callee", "caller")
    designer = login_as("designer")
    assert _deploy(designer, {"callee.bpmn": _user_task(callee, "第一版")}).status_code == 200
    assert _deploy(designer, {"caller.bpmn": _caller(caller, callee)}).status_code == 200
    assert _deploy(designer, {"callee.bpmn": _user_task(callee, "第二版")}).status_code == 200
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": caller}).json
    [task] = window.get("/task", processInstanceId=started["id"]).json
    assert task["name"] == "第一版" and task["candidateGroups"] == ["window"]
    assert window.post(f"/task/{task['id']}/complete", {"variables": {}}).status_code == 204
    assert login_as("auditor").get(f"/history/process-instance/{started['id']}").json["state"] == "COMPLETED"
