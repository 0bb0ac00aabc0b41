"""Bad input gets a 4xx naming the field or element, and changes nothing stored."""

import pytest

from tests.conftest import typed
from tests.support.dibao_steps import Case, accept_variables


def _unchanged(case: Case, activity: str, user: str) -> None:
    assert case.task(user, activity)["assignee"] is None
    assert case.login_as("auditor").get("/history/task", processInstanceId=case.id,
                                        taskDefinitionKey=activity).json[-1]["endTime"] is None


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": "110101199003071235"}, "id_number"),  # wrong check digit
    ({"id_number": "11010119900230123X"}, "id_number"),  # 2月30日
    ({"id_number": "12345"}, "id_number"),
    ({"household_size": 0}, "household_size"),
    ({"per_capita_income": -1.0}, "per_capita_income"),
    ({"pledge_signed": False}, "pledge_signed"),
    ({"unknown_field": "x"}, "unknown_field"),
])
def test_accept_refuses_invalid_fields(login_as, clock, overrides, field):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    response = login_as("window_cg").post(f"/task/{task['id']}/complete",
                                          {"variables": accept_variables(**overrides)})
    assert response.status_code == 400
    assert response.json["field"] == field
    assert any(e["field"] == field for e in response.json["errors"])
    _unchanged(case, "accept", "window_cg")


def test_missing_materials_must_be_listed(login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    response = login_as("window_cg").post(f"/task/{task['id']}/complete",
                                          {"variables": accept_variables(materials_complete=False)})
    assert response.status_code == 400 and response.json["field"] == "missing_materials"


def test_home_visit_needs_two_visitors(login_as, clock):
    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    response = login_as("investigator_cg").post(f"/task/{task['id']}/complete", {"variables": typed(
        visitors="李四", visit_date="2026-09-29", findings="x")})
    assert response.status_code == 400 and response.json["field"] == "visitors"
    _unchanged(case, "home_visit", "investigator_cg")


def test_rejection_needs_a_reason_and_approval_a_positive_amount(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    task = case.task("reviewer_cg", "township_review")
    api = login_as("reviewer_cg")
    response = api.post(f"/task/{task['id']}/complete", {"variables": typed(opinion="reject")})
    assert response.status_code == 400 and response.json["field"] == "reason"
    response = api.post(f"/task/{task['id']}/complete", {"variables": typed(opinion="approve", proposed_amount=0.0)})
    assert response.status_code == 400 and response.json["field"] == "proposed_amount"
    _unchanged(case, "township_review", "reviewer_cg")


def test_payment_must_start_the_month_after_approval(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    task = case.task("finance", "payment")
    response = login_as("finance").post(f"/task/{task['id']}/complete",
                                        {"variables": typed(first_payment_month="2026-09")})
    assert response.status_code == 400 and response.json["field"] == "first_payment_month"
    assert "次月" in response.json["message"]
    _unchanged(case, "payment", "finance")


def test_other_township_sees_nothing_and_cannot_claim_or_complete(login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    other = login_as("window_hd")
    assert other.get("/task", processInstanceId=case.id).json == []
    assert other.get(f"/task/{task['id']}").status_code == 404
    assert other.post(f"/task/{task['id']}/claim", {"userId": "window_hd"}).status_code == 404
    assert other.post(f"/task/{task['id']}/complete", {"variables": accept_variables()}).status_code == 404
    assert other.get(f"/process-instance/{case.id}").status_code == 404
    _unchanged(case, "accept", "window_cg")


def test_wrong_role_cannot_complete(login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    response = login_as("investigator_cg").post(f"/task/{task['id']}/complete", {"variables": accept_variables()})
    assert response.status_code in (403, 404)
    response = login_as("designer").post(f"/task/{task['id']}/complete", {"variables": accept_variables()})
    assert response.status_code == 403
    _unchanged(case, "accept", "window_cg")


def test_claim_is_exclusive(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    task = case.task("reviewer_cg", "township_review")
    reviewer = login_as("reviewer_cg")
    assert reviewer.post(f"/task/{task['id']}/claim", {"userId": "reviewer_cg"}).status_code == 204
    assert case.task("reviewer_cg", "township_review")["assignee"] == "reviewer_cg"
    # the county reviewer is in scope but a task claimed by someone else cannot be completed by a third user
    response = login_as("county_reviewer").post(f"/task/{task['id']}/complete", {"variables": typed(
        opinion="reject", reason="x")})
    assert response.status_code in (403, 404)
    assert reviewer.post(f"/task/{task['id']}/unclaim").status_code == 204
    assert case.task("reviewer_cg", "township_review")["assignee"] is None


@pytest.mark.parametrize("path, payload", [
    ("/process-definition/key/dibao/start", "{not json"),
    ("/message", "[1, 2]"),
])
def test_malformed_json_is_a_400(login_as, clock, path, payload):
    api = login_as("window_cg")
    response = api.client.post(f"/engine-rest{path}", data=payload, headers={
        **api.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["type"] in ("InvalidRequestException", "ValidationException")


@pytest.mark.parametrize("method, path", [
    ("get", "/task/00000000-0000-0000-0000-000000000000"),
    ("post", "/task/nope/complete"),
    ("get", "/process-instance/nope"),
    ("get", "/process-instance/nope/variables"),
    ("post", "/job/nope/execute"),
    ("get", "/process-definition/key/nope/xml"),
])
def test_unknown_ids_are_404(login_as, method, path):
    api = login_as("supervisor")
    response = api.post(path, {}) if method == "post" else api.get(path)
    assert response.status_code == 404
    assert response.json["type"] == "NotFoundException"


def test_wrongly_typed_variable_names_the_variable(login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    response = login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": {
        "household_size": {"value": "three", "type": "Integer"}}})
    assert response.status_code == 400 and response.json["field"] == "variables.household_size"


def test_requests_without_credentials_are_401(client):
    response = client.get("/engine-rest/task")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/engine-rest/version").json == {"version": "7.22.0"}


@pytest.mark.parametrize("path, params, field", [
    ("/history/job-log", {"processInstanceId": "a\x00b"}, "processInstanceId"),
    ("/history/job-log", {"activityIdIn": "a\x00,b"}, "activityIdIn"),
    ("/process-instance", {"businessKey": "\x00"}, "businessKey"),
    ("/task", {"name\x00": "x"}, "name\x00"),
    ("/history/job-log/a\x00b", {}, "log_id"),
    ("/history/job-log/a\x00b/stacktrace", {}, "log_id"),
    ("/process-instance/x\x00", {}, "instance_id"),
])
def test_a_nul_character_in_a_query_or_path_is_refused_naming_it(login_as, path, params, field):
    """PostgreSQL can neither store nor compare a text holding U+0000: it was a 500 there (and on SQLite an answer
    PostgreSQL would not give); it is refused on both, naming the parameter."""
    response = login_as("supervisor").get(path, **params)
    assert response.status_code == 400, (path, response.json)
    assert response.json["field"] == field


def test_a_nul_character_in_a_json_body_is_refused_naming_where(login_as, clock):
    supervisor, window = login_as("supervisor"), login_as("window_cg")
    refused = supervisor.post("/history/job-log", {"activityIdIn": ["a", "b\x00"]})
    assert refused.status_code == 400 and refused.json["field"] == "activityIdIn", refused.json
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    for variables, field in (({"note": {"value": "a\x00", "type": "String"}}, "variables.note.value"),
                             ({"no\x00te": {"value": "a", "type": "String"}}, "variables.no\x00te")):
        refused = window.post(f"/task/{task['id']}/complete", {"variables": variables})
        assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    _unchanged(case, "accept", "window_cg")


def test_a_nul_character_in_a_deployment_form_is_refused_naming_it(login_as):
    from tests.support.deployments import deploy_files, minimal_process

    designer = login_as("designer")
    process = minimal_process("nul_form", '<bpmn:userTask id="t" camunda:candidateGroups="window" />')
    for files, form, field in (({"nul_form.bpmn": process}, {"name": "a\x00b"}, "deployment-name"),
                               ({"nul_form.bpmn": process}, {"name": "ok", "deployment-source": "\x00"},
                                "deployment-source")):
        refused = deploy_files(designer, files, **form)
        assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    assert designer.get("/process-definition", key="nul_form").json == []
