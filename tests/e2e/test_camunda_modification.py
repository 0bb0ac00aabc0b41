"""Process-instance modification: a supervisor moves a stuck case to another step; each move is a case event
that replay reproduces, and what cannot be done is refused naming the instruction's field."""

import uuid

import pytest

from tests.conftest import typed
from tests.support.deployments import deploy_files
from tests.support.versions import V1

THREE_STEPS = V1  # a → b (with a non-interrupting timer) → c


@pytest.fixture(scope="module")
def key(app):
    from tests.conftest import Api

    name = f"mod_{uuid.uuid4().hex[:8]}"
    assert deploy_files(Api(app.test_client(), "designer"), {f"{name}.bpmn": THREE_STEPS.format(key=name)}
                        ).status_code == 200
    return name


def _start(login_as, key: str) -> str:
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {"variables": typed(note="x")})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _open(api, case_id: str) -> list[str]:
    return sorted(t["taskDefinitionKey"] for t in api.get("/task", processInstanceId=case_id).json)


def _verified(login_as, case_id: str) -> dict:
    auditor = login_as("auditor")
    return auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json


def test_a_supervisor_moves_a_stuck_case_on_and_replay_reproduces_it(login_as, key):
    case_id = _start(login_as, key)
    supervisor = login_as("supervisor")
    tree = supervisor.get(f"/process-instance/{case_id}/activity-instances").json
    stuck = [a["id"] for a in tree["childActivityInstances"] if a["activityId"] == "a"][0]
    moved = supervisor.post(f"/process-instance/{case_id}/modification", {
        "instructions": [{"type": "startBeforeActivity", "activityId": "b",
                          "variables": {"reason": {"value": "材料已齐", "type": "String", "local": False}}},
                         {"type": "cancel", "activityInstanceId": stuck}],
        "skipCustomListeners": False, "annotation": "受理人长期未办理"})
    assert moved.status_code == 204, moved.json
    assert _open(supervisor, case_id) == ["b"]
    assert supervisor.get("/job", processInstanceId=case_id).json[0]["activityId"] == "late"  # b's timer is set
    cancelled = supervisor.get("/history/activity-instance", processInstanceId=case_id, activityId="a").json
    assert cancelled[0]["canceled"] is True
    assert supervisor.get(f"/process-instance/{case_id}/variables/reason").json["value"] == "材料已齐"
    b = supervisor.get("/task", processInstanceId=case_id).json[0]
    assert login_as("window_cg").post(f"/task/{b['id']}/complete", {"variables": {}}).status_code == 204
    assert _open(supervisor, case_id) == ["c"] and supervisor.get("/job", processInstanceId=case_id).json == []
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case_id}/events", headers=auditor.headers).json["events"]
    assert events[1]["command"] == "modification" and events[1]["inputs"]["annotation"] == "受理人长期未办理"
    assert _verified(login_as, case_id)["ok"] is True


def test_start_after_an_activity_then_cancel_every_instance_of_it(login_as, key):
    case_id = _start(login_as, key)
    supervisor = login_as("supervisor")
    assert supervisor.post(f"/process-instance/{case_id}/modification", {"instructions": [
        {"type": "startAfterActivity", "activityId": "b"}]}).status_code == 204
    assert _open(supervisor, case_id) == ["a", "c"]
    assert supervisor.post(f"/process-instance/{case_id}/modification", {"instructions": [
        {"type": "cancel", "activityId": "a"}]}).status_code == 204
    assert _open(supervisor, case_id) == ["c"]
    assert _verified(login_as, case_id)["ok"] is True


def test_cancelling_the_last_step_ends_the_case_as_in_camunda(login_as, key):
    case_id = _start(login_as, key)
    supervisor = login_as("supervisor")
    assert supervisor.post(f"/process-instance/{case_id}/modification", {"instructions": [
        {"type": "cancel", "activityId": "a"}]}).status_code == 204
    assert supervisor.get(f"/process-instance/{case_id}").status_code == 404
    assert supervisor.get(f"/history/process-instance/{case_id}").json["state"] == "EXTERNALLY_TERMINATED"
    assert _verified(login_as, case_id)["ok"] is True


@pytest.mark.parametrize(("instruction", "extra", "field"), [
    ({"type": "startBeforeActivity", "activityId": "nowhere"}, {}, "instructions[0].activityId"),
    ({"type": "startBeforeActivity"}, {}, "instructions[0].activityId"),
    ({"type": "cancel", "activityInstanceId": str(uuid.uuid4())}, {}, "instructions[0].activityInstanceId"),
    ({"type": "startTransition", "transitionId": "f2"}, {}, "instructions.0.transitionId"),
    ({"type": "startBeforeActivity", "activityId": "b", "variables": {"x": {"value": 1, "local": True}}}, {},
     "instructions[0].variables.x.local"),
    ({"type": "startBeforeActivity", "activityId": "b", "ancestorActivityInstanceId": "elsewhere"}, {},
     "instructions[0].ancestorActivityInstanceId"),
    ({"type": "startBeforeActivity", "activityId": "b"}, {"skipIoMappings": True}, "skipIoMappings"),
])
def test_what_cannot_be_done_is_refused_naming_it_and_nothing_changes(login_as, key, instruction, extra, field):
    case_id = _start(login_as, key)
    supervisor = login_as("supervisor")
    refused = supervisor.post(f"/process-instance/{case_id}/modification", {"instructions": [instruction], **extra})
    assert refused.status_code == 400, refused.json
    named = {refused.json.get("field")} | {e.get("field") for e in refused.json.get("errors", [])}
    assert any(n and (field.startswith(n) or n.startswith(field)) for n in named), refused.json
    assert _open(supervisor, case_id) == ["a"]


def test_only_supervisors_move_cases(login_as, key):
    case_id = _start(login_as, key)
    body = {"instructions": [{"type": "startBeforeActivity", "activityId": "c"}]}
    for user in ("window_cg", "auditor", "designer"):
        assert login_as(user).post(f"/process-instance/{case_id}/modification", body).status_code == 403


def test_the_same_move_on_many_cases_in_one_transaction(login_as, key):
    first, second = _start(login_as, key), _start(login_as, key)
    supervisor = login_as("supervisor")
    definition = supervisor.get(f"/process-instance/{first}").json["definitionId"]
    body = {"processDefinitionId": definition, "processInstanceIds": [first, second],
            "instructions": [{"type": "startBeforeActivity", "activityId": "c"}, {"type": "cancel", "activityId": "a"}]}
    assert supervisor.post("/modification/execute", body).status_code == 204
    assert _open(supervisor, first) == _open(supervisor, second) == ["c"]
    # all or none: one case not at `a` refuses the whole request
    third = _start(login_as, key)
    refused = supervisor.post("/modification/execute", {**body, "processInstanceIds": [third, first]})
    assert refused.status_code in (400, 409), refused.json
    assert _open(supervisor, third) == ["a"]
    by_instance = supervisor.post("/modification/execute", {**body, "instructions": [
        {"type": "cancel", "activityInstanceId": "x"}]})
    assert by_instance.status_code == 400 and by_instance.json["field"] == "instructions[0].activityInstanceId"
