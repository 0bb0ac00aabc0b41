"""Camunda's lists filter, sort, count and page as Camunda does, by GET or by a POST query."""

from tests.support.dibao_steps import Case


def test_history_task_by_business_key_lists_only_that_case(login_as):
    mine, other = Case(login_as), Case(login_as)
    mine.accept()
    other.accept()
    rows = login_as("supervisor").get("/history/task", processInstanceBusinessKey=mine.business_key).json
    assert {r["processInstanceId"] for r in rows} == {mine.id}
    assert {r["taskDefinitionKey"] for r in rows} == {"accept", "home_visit"}
    row = next(r for r in rows if r["taskDefinitionKey"] == "accept")
    assert (row["executionId"], row["activityInstanceId"], row["priority"], row["owner"], row["tenantId"]) == (
        mine.id, row["id"], 50, None, "sfx")  # its county
    assert row["deleteReason"] == "completed" and row["taskState"] == "Completed"
    count = login_as("supervisor").get("/history/task/count", processInstanceBusinessKey=mine.business_key).json
    assert count == {"count": len(rows)}


def test_post_queries_sort_and_page(login_as):
    cases = [Case(login_as) for _ in range(3)]
    ids = [c.id for c in cases]
    api = login_as("window_cg")
    body = {"processInstanceIdIn": ids, "sorting": [{"sortBy": "instanceId", "sortOrder": "desc"}]}
    rows = api.post("/task?firstResult=1&maxResults=1", body).json
    assert [r["processInstanceId"] for r in rows] == [sorted(ids, reverse=True)[1]]
    assert api.post("/task/count", {"processInstanceIdIn": ids}).json == {"count": 3}
    page = login_as("supervisor").post("/process-instance?maxResults=2", {
        "processInstanceIds": ids, "sorting": [{"sortBy": "instanceId", "sortOrder": "asc"}]}).json
    assert [r["id"] for r in page] == sorted(ids)[:2]
    assert login_as("supervisor").get("/process-instance/count", processInstanceIds=",".join(ids)).json["count"] == 3


def test_a_sort_key_the_list_cannot_sort_by_is_refused(login_as):
    response = login_as("supervisor").post("/task", {"sorting": [{"sortBy": "processVariable", "sortOrder": "asc"}]})
    assert response.status_code == 400 and response.json["field"].startswith("sorting")
    response = login_as("supervisor").get("/history/process-instance", sortBy="duration", sortOrder="asc")
    assert response.status_code == 400 and response.json["field"] == "sortBy"


def test_incidents_by_case(login_as):
    case = Case(login_as)
    case.accept()
    other = Case(login_as)
    other.accept()
    task_id = case.lock_verification()
    failed = login_as("verifier").post(f"/external-task/{task_id}/failure", {
        "workerId": "matcher-1", "errorMessage": "公安接口超时", "errorDetails": "Traceback…", "retries": 0})
    assert failed.status_code == 204
    api = login_as("supervisor")
    assert [i["processInstanceId"] for i in api.get("/incident", processInstanceId=case.id).json] == [case.id]
    assert api.get("/incident", processInstanceId=other.id).json == []
    assert api.get("/incident/count", processInstanceId=case.id).json == {"count": 1}


def test_activity_instances_carry_names(login_as):
    case = Case(login_as)
    tree = login_as("supervisor").get(f"/process-instance/{case.id}/activity-instances").json
    assert tree["name"] == tree["activityName"] == "最低生活保障审核确认"
    assert [(c["activityId"], c["name"]) for c in tree["childActivityInstances"]] == [("accept", "受理")]


def test_an_empty_date_comparison_is_refused_naming_it(login_as):
    supervisor = login_as("supervisor")
    for name in ("createTimes", "dueDates"):
        response = supervisor.get("/job/count", **{name: ""})
        assert response.status_code == 400 and response.json["field"] == name, response.json
    assert supervisor.get("/job/count", dueDates="lt_2099-01-01T00:00:00.000+0800").status_code == 200


def test_a_number_beyond_what_the_columns_hold_is_refused_naming_it(login_as):
    verifier = login_as("verifier")
    for number in (2**31, 2**63):
        response = verifier.post("/external-task/count", {"priorityHigherThanOrEquals": number})
        assert response.status_code == 400 and response.json["field"] == "priorityHigherThanOrEquals", response.json
    assert verifier.post("/external-task/count", {"priorityHigherThanOrEquals": 2**31 - 1}).json == {"count": 0}


def test_definitions_sort_by_tenant_as_the_engine_spells_it(login_as):
    """Camunda's engine sorts definitions by `tenantId`; its OpenAPI document spells the value `tenantId ` (with a
    space). A client sends the engine's spelling, so both sort."""
    engine, document = (login_as("designer").get("/process-definition", sortBy=spelling, sortOrder="desc")
                        for spelling in ("tenantId", "tenantId "))
    assert engine.status_code == 200, engine.json
    assert engine.json == document.json
