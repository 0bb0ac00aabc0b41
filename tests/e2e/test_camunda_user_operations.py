"""Camunda's user operation log, read from the cases' event logs: every command on a case is one entry."""

import pytest

from tests.support.dibao_steps import Case


@pytest.fixture(scope="module")
def worked(app):
    from tests.conftest import Api

    def login_as(user):
        return Api(app.test_client(), user)

    case = Case(login_as)
    task = case.task("window_cg", "accept")
    assert login_as("window_cg").post(f"/task/{task['id']}/claim", {"userId": "window_cg"}).status_code == 204
    assert login_as("supervisor").put(f"/process-instance/{case.id}/suspended", {"suspended": True}).status_code == 204
    assert login_as("supervisor").put(f"/process-instance/{case.id}/suspended", {"suspended": False}).status_code == 204
    case.accept()
    return case, task


def test_each_command_on_a_case_is_an_entry_shaped_as_camundas(login_as, worked):
    case, task = worked
    entries = login_as("supervisor").get("/history/user-operation", processInstanceId=case.id,
                                         sortBy="timestamp", sortOrder="asc").json
    assert [(e["operationType"], e["entityType"], e["userId"]) for e in entries] == [
        ("Create", "ProcessInstance", "window_cg"), ("Claim", "Task", "window_cg"),
        ("Suspend", "ProcessInstance", "supervisor"), ("Activate", "ProcessInstance", "supervisor"),
        ("Complete", "Task", "window_cg")]
    claim = entries[1]
    assert claim["taskId"] == task["id"] and claim["category"] == "TaskWorker" and claim["processDefinitionKey"]
    assert claim["timestamp"].endswith("+0800") and claim["deploymentId"] and claim["executionId"] == case.id


@pytest.mark.parametrize(("params", "count"), [
    ({"operationType": "Claim"}, 1), ({"entityTypeIn": "Task,ProcessInstance"}, 5), ({"category": "TaskWorker"}, 2),
    ({"userId": "supervisor"}, 2), ({"caseInstanceId": "x"}, 0),
    ({"afterTimestamp": "2999-01-01T00:00:00.000+0800"}, 0),
])
def test_the_log_is_filtered_as_camunda_filters_it(login_as, worked, params, count):
    case, task = worked
    found = login_as("supervisor").get("/history/user-operation/count", processInstanceId=case.id, **params)
    assert found.json == {"count": count}, found.json


def test_what_is_not_honoured_is_refused_and_readers_see_only_their_scope(login_as, worked):
    case, task = worked
    refused = login_as("supervisor").get("/history/user-operation", property="assignee")
    assert refused.status_code == 400 and refused.json["field"] == "property"
    assert login_as("window_hd").get("/history/user-operation/count", processInstanceId=case.id).json == {"count": 0}
    assert login_as("designer").get("/history/user-operation").status_code == 403
