"""A called process is a process instance of its own, as in Camunda: its id, its definition, its super instance,
its tasks and history; it ends with its case, and what only its case may do to it is refused naming the case."""

import uuid

from tests.support.deployments import deploy_files as _deploy
from tests.support.deployments import minimal_process as _minimal


def _keys(*names: str) -> list[str]:
    suffix = uuid.uuid4().hex[:8]
    return [f"{n}_{suffix}" for n in names]


def _callee(key: str) -> str:
    return _minimal(key, '<bpmn:userTask id="inside" name="被调用流程的任务" camunda:candidateGroups="window" />',
                    first="inside")


def _caller(key: str, callee: str) -> str:
    return _minimal(key, f'<bpmn:callActivity id="call" calledElement="{callee}"><bpmn:extensionElements>'
                         '<camunda:in source="amount" target="amount" />'
                         '<camunda:out source="answer" target="answer" />'
                         '</bpmn:extensionElements></bpmn:callActivity>', first="call")


def _started(login_as, variables: dict | None = None) -> tuple[str, str, dict]:
    """Deploy a caller and its callee, start the caller; return (callee key, caller id, the called instance)."""
    callee, caller = _keys("callee", "caller")
    assert _deploy(login_as("designer"), {"callee.bpmn": _callee(callee),
                                          "caller.bpmn": _caller(caller, callee)}).status_code == 200
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": caller, "variables": {
        k: {"value": v} for k, v in (variables or {"amount": 5, "secret": "x"}).items()}})
    assert started.status_code == 200, started.json
    [called] = window.get("/process-instance", superProcessInstance=started.json["id"]).json
    return callee, started.json["id"], called


def test_the_called_process_is_an_instance_of_its_own_with_its_super_instance(login_as):
    callee, caller_id, called = _started(login_as)
    window = login_as("window_cg")
    assert called["id"] != caller_id and called["definitionKey"] == callee and called["businessKey"] is None
    assert called["superProcessInstanceId"] == caller_id and called["rootProcessInstanceId"] == caller_id
    assert window.get(f"/process-instance/{called['id']}").json["superProcessInstanceId"] == caller_id
    assert [i["id"] for i in window.get("/process-instance", subProcessInstance=called["id"]).json] == [caller_id]
    assert window.get(f"/process-instance/{caller_id}").json["superProcessInstanceId"] is None
    roots = {i["id"] for i in window.get("/process-instance", rootProcessInstances="true").json}
    assert caller_id in roots and called["id"] not in roots
    [task] = window.get("/task", processInstanceId=called["id"]).json
    assert task["processDefinitionId"] == called["definitionId"] and task["name"] == "被调用流程的任务"
    assert window.get("/task", processInstanceId=caller_id).json == []
    found = window.get(f"/process-instance/{called['id']}/variables").json
    assert found["amount"]["value"] == 5 and "secret" not in found  # only what camunda:in passes


def test_the_called_instance_has_its_own_history_and_the_call_names_it(login_as):
    _, caller_id, called = _started(login_as)
    window, auditor = login_as("window_cg"), login_as("auditor")
    [task] = window.get("/task", processInstanceId=called["id"]).json
    assert window.post(f"/task/{task['id']}/complete", {"variables": {"answer": {"value": "好"}}}).status_code == 204
    history = auditor.get(f"/history/process-instance/{called['id']}").json
    assert history["state"] == "COMPLETED" and history["superProcessInstanceId"] == caller_id
    assert history["rootProcessInstanceId"] == caller_id
    assert [h["id"] for h in auditor.get("/history/process-instance", superProcessInstanceId=caller_id).json] == [
        called["id"]]
    assert auditor.get(f"/history/process-instance/{caller_id}").json["state"] == "COMPLETED"
    inside = auditor.get("/history/activity-instance", processInstanceId=called["id"]).json
    assert "inside" in {a["activityId"] for a in inside} and "call" not in {a["activityId"] for a in inside}
    [call] = [a for a in auditor.get("/history/activity-instance", processInstanceId=caller_id).json
              if a["activityId"] == "call"]
    assert call["activityType"] == "callActivity" and call["calledProcessInstanceId"] == called["id"]
    [done] = auditor.get("/history/task", processInstanceId=called["id"]).json
    assert done["taskDefinitionKey"] == "inside"
    variables = window.get("/history/variable-instance", processInstanceId=caller_id).json
    assert {v["name"]: v["value"] for v in variables}.get("answer") == "好"


def test_cancelling_the_super_instance_cancels_the_called_one(login_as):
    _, caller_id, called = _started(login_as)
    supervisor = login_as("supervisor")
    assert supervisor.delete(f"/process-instance/{caller_id}").status_code == 204
    history = login_as("auditor").get(f"/history/process-instance/{called['id']}").json
    assert history["state"] == "EXTERNALLY_TERMINATED"
    assert login_as("window_cg").get("/task", processInstanceId=called["id"]).json == []
    assert supervisor.get("/process-instance", superProcessInstance=caller_id).json == []


def test_deleting_the_called_instance_alone_is_refused_naming_its_case(login_as):
    _, caller_id, called = _started(login_as)
    supervisor = login_as("supervisor")
    response = supervisor.delete(f"/process-instance/{called['id']}")
    assert response.status_code == 409 and caller_id in response.json["message"]
    assert supervisor.get(f"/process-instance/{called['id']}").status_code == 200
    assert len(login_as("window_cg").get("/task", processInstanceId=called["id"]).json) == 1


def test_the_called_instance_is_seen_only_within_its_case_scope(login_as):
    _, caller_id, called = _started(login_as)
    other = login_as("window_hd")  # another township
    assert other.get(f"/process-instance/{called['id']}").status_code == 404
    assert other.get(f"/process-instance/{called['id']}/variables").status_code == 404
    assert other.get("/process-instance", superProcessInstance=caller_id).json == []


def test_the_case_log_verifies_for_the_case_and_for_the_instance_it_called(login_as):
    _, caller_id, called = _started(login_as)
    window, auditor = login_as("window_cg"), login_as("auditor")
    [task] = window.get("/task", processInstanceId=called["id"]).json
    assert window.post(f"/task/{task['id']}/complete", {"variables": {"answer": {"value": "好"}}}).status_code == 204
    for instance_id in (caller_id, called["id"]):
        verdict = auditor.client.get(f"/api/audit/cases/{instance_id}/verify", headers=auditor.headers).json
        assert verdict["ok"] is True, verdict


def _caller_with_key(key: str, callee: str, business_key: str) -> str:
    return _minimal(key, f'<bpmn:callActivity id="call" calledElement="{callee}"><bpmn:extensionElements>'
                         f'<camunda:in businessKey="{business_key}" />'
                         '</bpmn:extensionElements></bpmn:callActivity>', first="call")


def test_camunda_in_business_key_gives_the_called_instance_its_callers_key_or_an_expressions(login_as):
    callee, inherits, computed = _keys("callee", "inherits", "computed")
    assert _deploy(login_as("designer"), {
        "callee.bpmn": _callee(callee),
        "inherits.bpmn": _caller_with_key(inherits, callee, "#{execution.processBusinessKey}"),
        "computed.bpmn": _caller_with_key(computed, callee, "${'REF-' + str(amount)}")}).status_code == 200
    window = login_as("window_cg")
    for key, variables, expected in ((inherits, {}, inherits), (computed, {"amount": {"value": 7}}, "REF-7")):
        started = window.post(f"/process-definition/key/{key}/start", {"businessKey": key, "variables": variables})
        assert started.status_code == 200, started.json
        [called] = window.get("/process-instance", superProcessInstance=started.json["id"]).json
        assert called["businessKey"] == expected
        [task] = window.get("/task", processInstanceBusinessKey=expected, processDefinitionKey=callee).json
        assert task["processInstanceId"] == called["id"]


def test_a_business_key_mapping_with_a_source_is_refused_naming_the_call(login_as):
    callee, caller = _keys("callee", "caller")
    calling = _minimal(caller, f'<bpmn:callActivity id="call_bk" calledElement="{callee}"><bpmn:extensionElements>'
                               '<camunda:in businessKey="${x}" source="a" target="b" />'
                               '</bpmn:extensionElements></bpmn:callActivity>', first="call_bk")
    response = _deploy(login_as("designer"), {"callee.bpmn": _callee(callee), "caller.bpmn": calling})
    assert response.status_code == 400 and "businessKey" in response.json["message"]


def test_every_referral_of_a_case_carries_the_cases_business_key(login_as, clock):
    from tests.support.dibao_steps import Case

    case = Case(login_as)
    case.accept(needs=["教育", "残疾"])
    referrals = login_as("supervisor").get("/process-instance", superProcessInstance=case.id).json
    assert len(referrals) == 2 and {r["businessKey"] for r in referrals} == {case.business_key}
    assert {r["definitionKey"] for r in referrals} == {"referral"}


def test_suspending_the_case_suspends_the_instance_it_called_which_is_not_suspended_alone(login_as):
    _, caller_id, called = _started(login_as)
    supervisor, window = login_as("supervisor"), login_as("window_cg")
    response = supervisor.put(f"/process-instance/{called['id']}/suspended", {"suspended": True})
    assert response.status_code == 409 and caller_id in response.json["message"]
    assert supervisor.put(f"/process-instance/{caller_id}/suspended", {"suspended": True}).status_code == 204
    assert supervisor.get(f"/process-instance/{called['id']}").json["suspended"] is True
    [task] = window.get("/task", processInstanceId=called["id"]).json
    assert task["suspended"] is True
    assert window.post(f"/task/{task['id']}/complete", {"variables": {}}).status_code == 409
    assert supervisor.put(f"/process-instance/{caller_id}/suspended", {"suspended": False}).status_code == 204
    assert window.post(f"/task/{task['id']}/complete", {"variables": {}}).status_code == 204


def test_the_called_instance_answers_for_its_own_activities_and_its_data_is_changed_through_its_case(login_as):
    _, caller_id, called = _started(login_as)
    supervisor = login_as("supervisor")
    tree = supervisor.get(f"/process-instance/{called['id']}/activity-instances").json
    assert [a["activityId"] for a in tree["childActivityInstances"]] == ["inside"]
    assert tree["processDefinitionId"] == called["definitionId"]
    caller_tree = supervisor.get(f"/process-instance/{caller_id}/activity-instances").json
    assert [a["activityId"] for a in caller_tree["childActivityInstances"]] == ["call"]
    response = supervisor.put(f"/process-instance/{called['id']}/variables/remark", {"value": "备注", "type": "String"})
    assert response.status_code == 409 and caller_id in response.json["message"]
    assert "remark" not in supervisor.get(f"/process-instance/{called['id']}/variables").json
