"""POST /message as Camunda correlates it: correlation keys, the waiting scope's keys, an instance id,
`all`, and the result with the case's variables."""

import uuid

import pytest

from tests.conftest import typed
from tests.support.deployments import deploy_fixture
from tests.support.diagrams import message_start


@pytest.fixture(scope="module")
def deployed(app):
    from tests.conftest import Api

    deploy_fixture(Api(app.test_client(), "designer"), "message_wait.bpmn")


@pytest.fixture
def cases(deployed, login_as):
    """Two waiting cases of one batch (`batch` = key; a business key names one active case only), told apart
    by `household` (`A-<key>`, `B-<key>`)."""
    key = f"MSG-{uuid.uuid4().hex[:8]}"
    started = [login_as("window_cg").post("/process-definition/key/message_wait/start", {
        "businessKey": f"{n}-{key}", "variables": typed(batch=key, household=f"{n}-{key}", village="dongguan")})
        for n in ("A", "B")]
    assert all(r.status_code == 200 for r in started), [r.json for r in started]
    return key, [r.json["id"] for r in started]


def _waiting(login_as, case_id) -> bool:
    return "wait" in [a["activityId"] for a in login_as("supervisor").get(
        f"/process-instance/{case_id}/activity-instances").json["childActivityInstances"]]


def test_correlation_keys_pick_the_case_that_holds_them(login_as, cases):
    key, (a, b) = cases
    response = login_as("window_cg").post("/message", {
        "messageName": "ping", "correlationKeys": typed(batch=key, household=f"B-{key}"),
        "resultEnabled": True})
    assert response.status_code == 200, response.json
    assert [r["execution"]["processInstanceId"] for r in response.json] == [b]
    assert _waiting(login_as, a) and not _waiting(login_as, b)


def test_keys_no_case_holds_correlate_nothing(login_as, cases):
    key, (a, b) = cases
    response = login_as("window_cg").post("/message", {
        "messageName": "ping", "correlationKeys": typed(batch=key, household=f"C-{key}")})
    assert response.status_code == 400 and response.json["field"] == "messageName"
    assert _waiting(login_as, a) and _waiting(login_as, b)


def test_two_waiting_cases_need_all(login_as, cases):
    key, (a, b) = cases
    batch = typed(batch=key)
    refused = login_as("window_cg").post("/message", {"messageName": "ping", "correlationKeys": batch})
    assert refused.status_code == 400 and _waiting(login_as, a) and _waiting(login_as, b)
    response = login_as("window_cg").post("/message", {"messageName": "ping", "correlationKeys": batch,
                                                       "all": True, "resultEnabled": True})
    assert sorted(r["execution"]["processInstanceId"] for r in response.json) == sorted([a, b])
    assert not _waiting(login_as, a) and not _waiting(login_as, b)


def test_local_correlation_keys_and_instance_id(login_as, cases):
    key, (a, b) = cases
    response = login_as("window_cg").post("/message", {
        "messageName": "ping", "localCorrelationKeys": typed(household=f"A-{key}"), "resultEnabled": True})
    assert [r["execution"]["processInstanceId"] for r in response.json] == [a]
    response = login_as("window_cg").post("/message", {"messageName": "ping", "processInstanceId": b})
    assert response.status_code == 204 and not _waiting(login_as, b)


def test_variables_in_result_are_the_case_variables_as_the_sender_may_see_them(login_as, cases):
    key, (a, b) = cases
    response = login_as("window_cg").post("/message", {
        "messageName": "ping", "processInstanceId": a, "processVariables": typed(note="已通知"),
        "resultEnabled": True, "variablesInResultEnabled": True})
    variables = response.json[0]["variables"]
    assert variables["note"] == {"value": "已通知", "type": "String", "valueInfo": {}}
    assert variables["household"]["value"] == f"A-{key}"


def test_fields_the_service_cannot_honour_are_refused(login_as, cases):
    key, (a, b) = cases
    for field, value in (("tenantId", "t1"), ("processVariablesLocal", typed(x=1)), ("unknownField", 1)):
        response = login_as("window_cg").post("/message", {"messageName": "ping", "processInstanceId": a,
                                                           field: value})
        assert response.status_code == 400 and response.json["field"] == field, response.json
    assert _waiting(login_as, a)


def test_a_process_without_a_none_start_event_is_started_only_by_its_message(app, login_as):
    """As Camunda 7 ("Process '…' has no default start activity (e.g. none start event), hence you cannot use
    'startProcessInstanceBy...'"): …/start is refused, naming the definition and its start event; nothing starts."""
    from tests.support.deployments import deploy_files
    from tests.support.web_client import Web

    key = f"found_{uuid.uuid4().hex[:8]}"
    diagram = message_start(key, f"{key}_found", carried="village")
    deployed = deploy_files(login_as("designer"), {f"{key}.bpmn": diagram})
    assert deployed.status_code == 200, deployed.json
    [definition_id] = deployed.json["deployedProcessDefinitions"]
    window = login_as("window_cg")
    for path, field in ((f"/process-definition/key/{key}/start", "key"),
                        (f"/process-definition/{definition_id}/start", "id")):
        refused = window.post(path, {"businessKey": f"X-{uuid.uuid4().hex[:8]}"})
        assert refused.status_code == 400 and refused.json["field"] == field, refused.json
        assert all(word in refused.json["message"] for word in (key, "found", f"{key}_found", "none start event"))
    page = Web(app, "window_cg").post("/cases/new", {"process": key, "village": "dongguan"})
    assert page.status_code == 422 and "none start event" in page.text
    assert login_as("supervisor").get("/process-instance", processDefinitionKey=key).json == []
    started = window.post("/message", {"messageName": f"{key}_found", "businessKey": f"F-{uuid.uuid4().hex[:8]}",
                                       "processVariables": typed(village="dongguan"), "resultEnabled": True})
    assert started.status_code == 200, started.json
    assert [t["taskDefinitionKey"] for t in login_as("supervisor").get(
        "/task", processInstanceId=started.json[0]["processInstance"]["id"]).json] == ["t"]
