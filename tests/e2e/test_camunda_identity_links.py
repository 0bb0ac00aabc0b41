"""A task's identity links: a supervisor adds or takes a candidate group (the inbox follows at once, each change
an event of the case's log); assignee links claim and give back as …/assignee and …/unclaim do."""

import pytest

from tests.support.dibao_steps import Case


def _links(api, task_id: str) -> set[tuple]:
    return {(link["userId"], link["groupId"], link["type"]) for link in api.get(f"/task/{task_id}/identity-links").json}


def test_a_supervisor_offers_a_task_to_another_group_and_takes_it_back(login_as):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    supervisor = login_as("supervisor")
    added = supervisor.post(f"/task/{task['id']}/identity-links", {"groupId": "township_reviewer",
                                                                   "type": "candidate"})
    assert added.status_code == 204, added.json
    assert _links(supervisor, task["id"]) == {(None, "window", "candidate"), (None, "township_reviewer", "candidate")}
    assert task["id"] in {t["id"] for t in login_as("reviewer_cg").get("/task", processInstanceId=case.id).json}
    taken = supervisor.post(f"/task/{task['id']}/identity-links/delete", {"groupId": "window", "type": "candidate"})
    assert taken.status_code == 204
    assert login_as("window_cg").get("/task", processInstanceId=case.id).json == []
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers).json["events"]
    assert [e["command"] for e in events].count("candidates") == 2
    assert auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json["ok"] is True


def test_assignee_links_claim_and_give_back(login_as):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    window = login_as("window_cg")
    assert window.post(f"/task/{task['id']}/identity-links", {"userId": "window_cg", "type": "assignee"}
                       ).status_code == 204
    assert window.get(f"/task/{task['id']}").json["assignee"] == "window_cg"
    assert window.post(f"/task/{task['id']}/identity-links/delete", {"userId": "window_cg", "type": "assignee"}
                       ).status_code == 204
    assert window.get(f"/task/{task['id']}").json["assignee"] is None


@pytest.mark.parametrize(("user", "body", "status", "field"), [
    ("supervisor", {"userId": "window_cg", "type": "candidate"}, 400, "userId"),
    ("supervisor", {"groupId": "window", "type": "owner"}, 400, "type"),
    ("supervisor", {"groupId": "nobody", "type": "candidate"}, 400, "groupId"),
    ("supervisor", {"userId": "a", "groupId": "window", "type": "candidate"}, 400, "groupId"),
    ("window_cg", {"groupId": "village", "type": "candidate"}, 403, None),
])
def test_what_cannot_be_linked_is_refused(login_as, user, body, status, field):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    refused = login_as(user).post(f"/task/{task['id']}/identity-links", body)
    assert refused.status_code == status, refused.json
    assert field is None or refused.json["field"] == field
    assert _links(login_as("supervisor"), task["id"]) == {(None, "window", "candidate")}
