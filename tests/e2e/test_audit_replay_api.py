"""Auditors read a case's event log and step through its state at each event, rebuilt by replay."""

import pytest

from tests.conftest import typed
from tests.support.dibao_steps import Case


def _audit(login_as, path: str, user: str = "auditor"):
    api = login_as(user)
    return api.client.get(f"/api/audit{path}", headers=api.headers)


def test_the_event_log_lists_every_command_with_its_chain(login_as, clock):
    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    claimed = login_as("investigator_cg").post(f"/task/{task['id']}/claim", {"userId": "investigator_cg"})
    assert claimed.status_code == 204
    case.investigate()
    log = _audit(login_as, f"/cases/{case.id}/events").json
    assert [(e["seq"], e["command"], e["actor"]) for e in log["events"]] == [
        (1, "start", "window_cg"), (2, "complete", "window_cg"), (3, "claim", "investigator_cg"),
        (4, "complete", "investigator_cg"), (5, "external_complete", "verifier")]
    assert all(e["prevHash"] == p["hash"] for p, e in zip(log["events"], log["events"][1:], strict=False))
    assert log["events"][0]["inputs"]["definitionDigest"]
    assert log["events"][1]["inputs"]["variables"]["id_number"].count("*") == 8  # masked for the auditor


def test_state_at_each_event_steps_forward_and_back(login_as, clock):
    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    login_as("investigator_cg").post(f"/task/{task['id']}/claim", {"userId": "investigator_cg"})
    first = _audit(login_as, f"/cases/{case.id}/events/1/state").json
    assert (first["prevSeq"], first["nextSeq"], first["matchesRecord"]) == (None, 2, True)
    assert [t["activityId"] for t in first["openTasks"]] == ["accept"]
    assert "household_size" not in first["variables"]
    second = _audit(login_as, f"/cases/{case.id}/events/{first['nextSeq']}/state").json
    assert {(t["activityId"], t["kind"], t["assignee"]) for t in second["openTasks"]} == {
        ("home_visit", "user", None), ("verify", "external", None)}
    assert second["variables"]["household_size"] == 3 and second["event"]["command"] == "complete"
    third = _audit(login_as, f"/cases/{case.id}/events/3/state").json
    assert (third["prevSeq"], third["nextSeq"]) == (2, None)
    assert {t["id"]: t["assignee"] for t in third["openTasks"]}[task["id"]] == "investigator_cg"
    back = _audit(login_as, f"/cases/{case.id}/events/{third['prevSeq']}/state").json
    assert back == second


def test_a_failed_external_task_is_an_event_and_replays(login_as, clock):
    case = Case(login_as)
    case.accept()
    api = login_as("verifier")
    locked = api.post("/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 50, "topics": [
        {"topicName": "household-verification", "lockDuration": 60000}]}).json
    mine = [t for t in locked if t["processInstanceId"] == case.id][0]
    failed = api.post(f"/external-task/{mine['id']}/failure", {"workerId": "w", "errorMessage": "民政库超时",
                                                                 "retries": 2, "retryTimeout": 1000})
    assert failed.status_code == 204, failed.json
    events = _audit(login_as, f"/cases/{case.id}/events").json["events"]
    assert events[-1]["command"] == "external_failure" and events[-1]["inputs"]["errorMessage"] == "民政库超时"
    assert _audit(login_as, f"/cases/{case.id}/verify").json["ok"] is True


def test_audit_reads_refuse_other_roles_and_unknown_events(login_as, clock):
    case = Case(login_as)
    assert _audit(login_as, f"/cases/{case.id}/events", "window_cg").status_code == 403
    assert _audit(login_as, f"/cases/{case.id}/events/1/state", "finance").status_code == 403
    for seq in ("9", "0", "-1", "99999999999999999999", "1.5", "x"):  # none is an event's: 404 naming it
        missing = _audit(login_as, f"/cases/{case.id}/events/{seq}/state")
        assert missing.status_code == 404 and missing.json["field"] == "seq", (seq, missing.json)
        assert missing.json["message"] == f"案件 {case.id} 没有事件 {seq}"
    assert _audit(login_as, "/cases/no-such-case/events").status_code == 404
    assert _audit(login_as, f"/cases/{case.id}/events/1/state", "supervisor").status_code == 200


def test_an_auditor_cannot_change_anything(login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    auditor = login_as("auditor")
    refused = [
        auditor.post("/process-definition/key/dibao/start", {"businessKey": "AUDIT-1"}),
        auditor.post(f"/task/{task['id']}/claim", {"userId": "auditor"}),
        auditor.post(f"/task/{task['id']}/complete", {"variables": typed(materials_complete=True)}),
        auditor.post("/message", {"messageName": "publicity_objection", "businessKey": case.business_key}),
        auditor.client.delete(f"/engine-rest/process-instance/{case.id}", headers=auditor.headers),
        auditor.client.put("/api/counties/sfx/settings/township_decides", json={"value": True},
                           headers=auditor.headers),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert _audit(login_as, f"/cases/{case.id}/events").json["events"][-1]["seq"] == 1


@pytest.mark.parametrize("path, params, named", [
    ("/cases/{id}/verify", {"full": "true"}, "full"),
    ("/verify", {"caseId": "{id}"}, "caseId"),
    ("/verify", {"maxResults": "1", "tenantId": "other"}, "maxResults"),
    ("/cases/{id}/events", {"firstResult": "1"}, "firstResult"),
    ("/cases/{id}/events/1/state", {"deserializeValues": "false"}, "deserializeValues"),
    ("/access-log", {"caseId": "{id}", "foo": "1"}, "foo"),
])
def test_audit_reads_refuse_a_parameter_they_do_not_read_naming_it(login_as, clock, path, params, named):
    case = Case(login_as)
    api = login_as("auditor")
    answer = api.client.get(f"/api/audit{path.format(id=case.id)}", headers=api.headers,
                            query_string={k: v.format(id=case.id) for k, v in params.items()})
    assert answer.status_code == 400 and answer.json["field"] == named, answer.json
    assert answer.json["message"].startswith(f"{named}: 不支持此参数")
    anonymous = api.client.get(f"/api/audit{path.format(id=case.id)}", query_string=params)
    assert anonymous.status_code == 401  # who asks is checked first
