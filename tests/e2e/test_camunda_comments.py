"""Task comments (办理意见): written on an open task, kept in the case's hash-chained log, read back for the
task (also once done) and the case, with the case's personal values masked for readers who see it masked."""

import pytest

from tests.support.dibao_steps import Case


@pytest.fixture(scope="module")
def commented(app):
    from tests.conftest import Api

    def login_as(user):
        return Api(app.test_client(), user)

    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    made = login_as("investigator_cg").post(f"/task/{task['id']}/comment/create", {
        "message": "张三家中确有三口人，收入与申报一致", "processInstanceId": case.id})
    assert made.status_code == 200, made.json
    return case, task, made.json


def test_a_comment_is_answered_as_camunda_shapes_it_and_listed_for_the_task_and_case(login_as, commented):
    case, task, made = commented
    assert (made["userId"], made["taskId"], made["processInstanceId"]) == ("investigator_cg", task["id"], case.id)
    assert made["time"].endswith("+0800") and made["time"][19] == "." and made["links"][0]["rel"] == "self"
    reviewer = login_as("investigator_cg")
    listed = reviewer.get(f"/task/{task['id']}/comment").json
    assert [c["id"] for c in listed] == [made["id"]] and listed[0]["message"].startswith("张三")
    assert reviewer.get(f"/task/{task['id']}/comment/{made['id']}").json == made
    assert reviewer.get(f"/task/{task['id']}/comment/nope").status_code == 404
    assert [c["id"] for c in reviewer.get(f"/process-instance/{case.id}/comment").json] == [made["id"]]


def test_a_masked_reader_sees_the_applicants_name_masked_and_the_read_is_logged(login_as, commented):
    case, task, _made = commented
    shown = login_as("supervisor").get(f"/task/{task['id']}/comment").json[0]["message"]
    assert "张三" not in shown and shown.endswith("家中确有三口人，收入与申报一致")
    auditor = login_as("auditor")
    log = auditor.client.get("/api/audit/access-log", query_string={"caseId": case.id}, headers=auditor.headers)
    assert ("supervisor", "comments", True) in {(r["user"], r["what"], r["masked"]) for r in log.json}


def test_a_comment_is_a_case_event_that_still_verifies_and_outlives_the_task(login_as, commented):
    case, task, made = commented
    case.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="无")
    assert [c["id"] for c in login_as("investigator_cg").get(f"/task/{task['id']}/comment").json] == [made["id"]]
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers).json["events"]
    assert [e["command"] for e in events].count("comment") == 1
    assert auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json["ok"] is True


@pytest.mark.parametrize(("user", "body", "status", "field"), [
    ("investigator_cg", {"message": " "}, 400, "message"),
    ("investigator_cg", {"message": "x" * 4001}, 400, "message"),
    ("investigator_cg", {"message": "ok", "processInstanceId": "elsewhere"}, 400, "processInstanceId"),
    ("auditor", {"message": "ok"}, 403, None),
    ("window_hd", {"message": "ok"}, 404, "id"),  # another township
])
def test_what_cannot_be_written_is_refused(login_as, user, body, status, field):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    refused = login_as(user).post(f"/task/{task['id']}/comment/create", body)
    assert refused.status_code == status, refused.json
    assert field is None or refused.json["field"] == field
