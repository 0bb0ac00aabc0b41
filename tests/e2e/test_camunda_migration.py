"""Migration between versions of a process: running cases continue on version 2 (a renamed step, a new step),
keeping their task ids, claims and timers; each migration is a case event replay reproduces."""

import uuid

import pytest

from tests.conftest import typed
from tests.support.deployments import deploy_files
from tests.support.versions import V1, V2


@pytest.fixture(scope="module")
def versions(app):
    from tests.conftest import Api

    key = f"mig_{uuid.uuid4().hex[:8]}"
    designer = Api(app.test_client(), "designer")
    for text in (V1, V2):
        assert deploy_files(designer, {f"{key}.bpmn": text.format(key=key)}).status_code == 200
    found = {d["version"]: d["id"] for d in designer.get("/process-definition", key=key).json}
    return key, found[1], found[2]


def _start_on(login_as, definition_id: str) -> str:
    started = login_as("window_cg").post(f"/process-definition/{definition_id}/start", {"variables": typed(n=1)})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _tasks(api, case_id: str) -> list[tuple[str, str, str]]:
    listed = api.get("/task", processInstanceId=case_id).json
    return sorted((t["taskDefinitionKey"], t["name"], t["id"]) for t in listed)


def _complete(login_as, case_id: str, activity: str) -> None:
    api = login_as("window_cg")
    task = [t for t in api.get("/task", processInstanceId=case_id).json if t["taskDefinitionKey"] == activity][0]
    assert api.post(f"/task/{task['id']}/complete", {"variables": {}}).status_code == 204


def _verified(login_as, case_id: str) -> dict:
    auditor = login_as("auditor")
    return auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json


def test_generate_maps_equal_activities_and_validate_names_what_cannot_map(login_as, versions):
    _key, v1, v2 = versions
    supervisor = login_as("supervisor")
    plan = supervisor.post("/migration/generate", {"sourceProcessDefinitionId": v1,
                                                   "targetProcessDefinitionId": v2}).json
    pairs = {(i["sourceActivityIds"][0], i["targetActivityIds"][0]) for i in plan["instructions"]}
    assert {("a", "a"), ("c", "c"), ("late", "late")} <= pairs and not any(p[0] == "b" for p in pairs)
    assert plan["sourceProcessDefinitionId"] == v1 and plan["variables"] == {}
    assert supervisor.post("/migration/validate", plan).json == {"instructionReports": [], "variableReports": {}}
    bad = {**plan, "instructions": [{"sourceActivityIds": ["b"], "targetActivityIds": ["nowhere"]},
                                    {"sourceActivityIds": ["a"], "targetActivityIds": ["late"]}]}
    reports = supervisor.post("/migration/validate", bad).json["instructionReports"]
    assert [r["instruction"]["sourceActivityIds"] for r in reports] == [["b"], ["a"]]
    assert all(r["failures"] for r in reports)
    refused = supervisor.post("/migration/generate", {"sourceProcessDefinitionId": v1,
                                                      "targetProcessDefinitionId": v2, "updateEventTriggers": True})
    assert refused.status_code == 400 and refused.json["field"] == "updateEventTriggers"


def test_running_cases_continue_on_version_two_and_still_verify(login_as, versions):
    _key, v1, v2 = versions
    at_a, at_b = _start_on(login_as, v1), _start_on(login_as, v1)
    _complete(login_as, at_b, "a")
    window = login_as("window_cg")
    held = _tasks(window, at_b)[0][2]
    assert window.post(f"/task/{held}/claim", {"userId": "window_cg"}).status_code == 204
    supervisor = login_as("supervisor")
    plan = supervisor.post("/migration/generate", {"sourceProcessDefinitionId": v1,
                                                   "targetProcessDefinitionId": v2}).json
    unmapped = supervisor.post("/migration/execute", {"migrationPlan": plan, "processInstanceIds": [at_a, at_b]})
    assert unmapped.status_code == 400 and unmapped.json.get("element") == "b", unmapped.json
    assert supervisor.get(f"/process-instance/{at_a}").json["definitionId"] == v1  # all or none
    plan["instructions"].append({"sourceActivityIds": ["b"], "targetActivityIds": ["review"]})
    plan["variables"] = {"migrated": {"value": True, "type": "Boolean"}}
    done = supervisor.post("/migration/execute", {"migrationPlan": plan, "processInstanceIds": [at_a, at_b],
                                                  "skipCustomListeners": False})
    assert done.status_code == 204, done.json
    assert supervisor.get(f"/process-instance/{at_b}").json["definitionId"] == v2
    task = supervisor.get(f"/task/{held}").json  # the same task, renamed, still held
    assert (task["taskDefinitionKey"], task["name"], task["assignee"], task["processDefinitionId"]) == (
        "review", "复核", "window_cg", v2)
    assert [j["activityId"] for j in supervisor.get("/job", processInstanceId=at_b).json] == ["late"]
    assert supervisor.get(f"/process-instance/{at_b}/variables/migrated").json["value"] is True
    _complete(login_as, at_b, "review")
    assert [t[0] for t in _tasks(window, at_b)] == ["check"]  # version 2's new step
    for case_id, steps in ((at_b, ("check", "c")), (at_a, ("a", "review", "check", "c"))):
        for step in steps:
            _complete(login_as, case_id, step)
        assert supervisor.get(f"/history/process-instance/{case_id}").json["state"] == "COMPLETED"
        assert _verified(login_as, case_id)["ok"] is True, _verified(login_as, case_id)
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{at_b}/events", headers=auditor.headers).json["events"]
    assert [e["command"] for e in events][3] == "migration"
    state = auditor.client.get(f"/api/audit/cases/{at_b}/events/4/state", headers=auditor.headers).json
    assert [t["activityId"] for t in state["openTasks"]] == ["review"]


def test_only_supervisors_and_designers_migrate_and_only_from_the_plans_source(login_as, versions):
    _key, v1, v2 = versions
    case_id = _start_on(login_as, v1)
    body = {"migrationPlan": {"sourceProcessDefinitionId": v1, "targetProcessDefinitionId": v2,
                              "instructions": [{"sourceActivityIds": ["a"], "targetActivityIds": ["a"]}]},
            "processInstanceIds": [case_id]}
    assert login_as("window_cg").post("/migration/execute", body).status_code == 403
    assert login_as("auditor").post("/migration/generate", {"sourceProcessDefinitionId": v1,
                                                            "targetProcessDefinitionId": v2}).status_code == 403
    wrong = login_as("designer").post("/migration/execute", {**body, "migrationPlan": {
        **body["migrationPlan"], "sourceProcessDefinitionId": v2, "targetProcessDefinitionId": v1}})
    assert wrong.status_code == 400 and wrong.json["field"] == "processInstanceIds"
    assert login_as("designer").post("/migration/execute", body).status_code == 204


def test_execute_async_runs_the_batch_before_answering_and_reports_it_done(login_as, versions):
    _key, v1, v2 = versions
    cases = [_start_on(login_as, v1) for _ in range(3)]
    supervisor = login_as("supervisor")
    plan = {"sourceProcessDefinitionId": v1, "targetProcessDefinitionId": v2,
            "instructions": [{"sourceActivityIds": ["a"], "targetActivityIds": ["a"]}]}
    stranger = supervisor.post("/migration/executeAsync", {"migrationPlan": plan,
                                                           "processInstanceIds": [*cases, "no-such-case"]})
    assert stranger.status_code == 404 and stranger.json["field"] == "processInstanceIds", stranger.json
    assert {supervisor.get(f"/process-instance/{c}").json["definitionId"] for c in cases} == {v1}  # all or none
    query = supervisor.post("/migration/executeAsync", {"migrationPlan": plan, "processInstanceIds": cases,
                                                        "processInstanceQuery": {"processDefinitionId": v1}})
    assert query.status_code == 400 and query.json["field"] == "processInstanceQuery"
    batch = supervisor.post("/migration/executeAsync", {"migrationPlan": plan, "processInstanceIds": cases + cases[:1]})
    assert batch.status_code == 200, batch.json
    assert {k: batch.json[k] for k in ("type", "totalJobs", "jobsCreated", "invocationsPerBatchJob", "suspended",
                                        "createUserId")} == {
        "type": "instance-migration", "totalJobs": 3, "jobsCreated": 3, "invocationsPerBatchJob": 1,
        "suspended": False, "createUserId": "supervisor"}
    assert batch.json["id"] and batch.json["startTime"].endswith("+0800")
    assert {supervisor.get(f"/process-instance/{c}").json["definitionId"] for c in cases} == {v2}
    assert all(_verified(login_as, c)["ok"] for c in cases)
    assert login_as("window_cg").post("/migration/executeAsync", {"migrationPlan": plan,
                                                                  "processInstanceIds": cases}).status_code == 403
