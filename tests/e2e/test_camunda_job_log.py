"""GET and POST /history/job-log (and /count, /{id}, /{id}/stacktrace): each job's creation, failures (with their
exception and stack trace), successful run and deletion — by a boundary interruption, the task's completion, a
modification or the case's deletion — with each of Camunda's parameters honoured or refused, within the reader's
scope; a migration that maps the job keeps it without an entry; and verification unaffected."""

import uuid

import pytest
from sqlalchemy import delete, update

from app.services.jobs import fire_due_jobs
from app.store.job_log import backfill_job_log
from app.store.tables import Job, JobLog
from tests.support.deployments import deploy_files, deploy_fixture
from tests.support.versions import V1, V2


@pytest.fixture(scope="module")
def deployed(app):
    from tests.conftest import Api

    designer = Api(app.test_client(), "designer")
    deploy_fixture(designer, "timers.bpmn")
    deploy_fixture(designer, "failing_timer.bpmn")


def _start(login_as, key: str = "timer_kinds") -> str:
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _jobs(api, case_id: str) -> dict[str, dict]:
    return {j["activityId"]: j for j in api.get("/job", processInstanceId=case_id).json}


def _log(api, **params) -> list[dict]:
    rows = api.get("/history/job-log", **params).json
    assert isinstance(rows, list), rows
    filters = {k: v for k, v in params.items() if k not in ("sortBy", "sortOrder")}
    assert api.get("/history/job-log/count", **filters).json["count"] == len(rows), params
    return rows


def _kinds(rows: list[dict]) -> list[tuple[str, str]]:
    """(activity, kind) of each entry, in the order given."""
    kind = {"creationLog": "created", "failureLog": "failed", "successLog": "successful", "deletionLog": "deleted"}
    return [(r["activityId"], next(k for flag, k in kind.items() if r[flag])) for r in rows]


def _verified(login_as, case_id: str) -> bool:
    auditor = login_as("auditor")
    return auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json["ok"]


def test_created_run_again_and_deleted_with_the_task(deployed, login_as, runtime, clock):
    supervisor = login_as("supervisor")
    case_id = _start(login_as)
    jobs = _jobs(supervisor, case_id)
    created = _log(supervisor, processInstanceId=case_id)
    assert sorted(_kinds(created)) == [("expire", "created"), ("remind", "created")]
    expire = next(r for r in created if r["activityId"] == "expire")
    assert (expire["jobId"], expire["jobDueDate"], expire["jobRetries"], expire["jobPriority"]) == (
        jobs["expire"]["id"], "2026-10-01T10:00:00.000+0800", 3, 0)
    assert (expire["jobDefinitionType"], expire["jobDefinitionConfiguration"]) == ("timer-transition", "DURATION: P3D")
    assert expire["jobDefinitionId"] == jobs["expire"]["jobDefinitionId"]
    assert expire["processDefinitionKey"] == "timer_kinds" and expire["rootProcessInstanceId"] == case_id
    assert expire["executionId"] == case_id and expire["deploymentId"] and expire["hostname"]
    assert expire["timestamp"] == "2026-09-28T10:00:00.000+0800" and expire["removalTime"] is None
    remind = next(r for r in created if r["activityId"] == "remind")
    assert remind["jobDefinitionConfiguration"] == "CYCLE: R2/PT1H"
    # the cycle fires: its run succeeded, and it waits for its next time
    clock.advance(hours=1)
    assert fire_due_jobs(runtime) == 1
    after_fire = _log(supervisor, processInstanceId=case_id, jobId=jobs["remind"]["id"], sortBy="occurrence",
                      sortOrder="asc")
    assert _kinds(after_fire) == [("remind", "created"), ("remind", "successful"), ("remind", "created")]
    assert after_fire[1]["jobDueDate"] == "2026-09-28T11:00:00.000+0800"  # the run's due time, as it stood
    next_due = _jobs(supervisor, case_id)["remind"]["dueDate"]
    assert after_fire[2]["jobDueDate"] == next_due > after_fire[1]["jobDueDate"]
    # the task is completed: both its timers are deleted with it
    work = next(t for t in supervisor.get("/task", processInstanceId=case_id).json if t["taskDefinitionKey"] == "work")
    assert login_as("window_cg").post(f"/task/{work['id']}/complete", {"variables": {}}).status_code == 204
    deleted = _log(supervisor, processInstanceId=case_id, deletionLog="true")
    assert sorted(_kinds(deleted)) == [("expire", "deleted"), ("remind", "deleted")]
    assert next(r for r in deleted if r["activityId"] == "remind")["jobDueDate"] == next_due
    assert _verified(login_as, case_id)


def test_an_interrupting_timer_succeeds_and_deletes_the_other(deployed, login_as, clock):
    supervisor = login_as("supervisor")
    case_id = _start(login_as)
    jobs = _jobs(supervisor, case_id)
    assert supervisor.post(f"/job/{jobs['expire']['id']}/execute").status_code == 204
    rows = _log(supervisor, processInstanceId=case_id, sortBy="occurrence", sortOrder="asc")
    assert sorted(_kinds(rows[2:])) == [("expire", "successful"), ("remind", "deleted")]
    assert _kinds(_log(supervisor, processInstanceId=case_id, successLog="true")) == [("expire", "successful")]
    assert _verified(login_as, case_id)


def test_modification_and_case_deletion_delete_the_jobs(deployed, login_as, clock):
    supervisor = login_as("supervisor")
    modified, cancelled = _start(login_as), _start(login_as)
    assert supervisor.post(f"/process-instance/{modified}/modification", {
        "instructions": [{"type": "cancel", "activityId": "work"}]}).status_code == 204
    assert sorted(_kinds(_log(supervisor, processInstanceId=modified, deletionLog="true"))) == [
        ("expire", "deleted"), ("remind", "deleted")]
    assert supervisor.delete(f"/process-instance/{cancelled}").status_code == 204
    assert sorted(_kinds(_log(supervisor, processInstanceId=cancelled, deletionLog="true"))) == [
        ("expire", "deleted"), ("remind", "deleted")]
    assert _verified(login_as, modified) and _verified(login_as, cancelled)


def test_failures_are_logged_with_their_exception_and_stacktrace(deployed, login_as, runtime, clock):
    supervisor = login_as("supervisor")
    case_id = _start(login_as, "failing_timer")
    clock.advance(days=1)
    for backoff in (30, 60, 120):
        fire_due_jobs(runtime)
        clock.advance(seconds=backoff)
    fire_due_jobs(runtime)
    [job] = supervisor.get("/job", processInstanceId=case_id).json
    assert job["retries"] == 0 and supervisor.get("/incident", processInstanceId=case_id).json
    failures = _log(supervisor, processInstanceId=case_id, failureLog="true", sortBy="timestamp", sortOrder="asc")
    assert [f["jobRetries"] for f in failures] == [3, 2, 1]  # as the job stood when it failed
    # the failure happened in the script task after the timer: Camunda names it, the job's activity stays the timer's
    assert all(f["jobExceptionMessage"] == job["exceptionMessage"] and (f["activityId"], f["failedActivityId"]) == (
        "wait", "compute") for f in failures)
    assert (failures[0]["jobDefinitionType"], failures[0]["jobDefinitionConfiguration"]) == (
        "timer-intermediate-transition", "DURATION: P1D")
    trace = supervisor.client.get(f"/engine-rest/history/job-log/{failures[0]['id']}/stacktrace",
                                  headers=supervisor.headers)
    assert trace.status_code == 200 and trace.mimetype == "text/plain"
    assert "missing_count" in trace.get_data(as_text=True)
    [created] = _log(supervisor, processInstanceId=case_id, creationLog="true")
    assert supervisor.client.get(f"/engine-rest/history/job-log/{created['id']}/stacktrace",
                                 headers=supervisor.headers).status_code == 204
    one = supervisor.get(f"/history/job-log/{failures[2]['id']}")
    assert one.status_code == 200 and one.json == failures[2]
    assert _log(supervisor, processInstanceId=case_id, failedActivityIdIn="compute,x") == failures
    assert _log(supervisor, processInstanceId=case_id, failedActivityIdIn="wait") == []
    assert _log(supervisor, processInstanceId=case_id, jobExceptionMessage=job["exceptionMessage"]) == failures
    assert supervisor.get("/history/job-log/no-such-entry").status_code == 404


def test_every_filter_and_sort_key_selects_or_orders(deployed, login_as, clock):
    supervisor = login_as("supervisor")
    case_id = _start(login_as)
    rows = _log(supervisor, processInstanceId=case_id)
    expire = next(r for r in rows if r["activityId"] == "expire")
    exact = {"logId": expire["id"], "jobId": expire["jobId"], "jobDefinitionId": expire["jobDefinitionId"],
             "jobDefinitionConfiguration": "DURATION: P3D", "activityIdIn": "expire,x"}
    for name, value in exact.items():
        assert [r["id"] for r in _log(supervisor, processInstanceId=case_id, **{name: value})] == [expire["id"]], name
    same = {"jobDefinitionType": "timer-transition", "processDefinitionId": expire["processDefinitionId"],
            "processDefinitionKey": "timer_kinds", "deploymentId": expire["deploymentId"],
            "hostname": expire["hostname"], "jobPriorityLowerThanOrEquals": 0, "jobPriorityHigherThanOrEquals": 0,
            "creationLog": "true", "tenantIdIn": expire["tenantId"], "executionIdIn": f"{case_id},x"}
    for name, value in same.items():
        assert len(_log(supervisor, processInstanceId=case_id, **{name: value})) == 2, name
    for name, value in {"processDefinitionKey": "other", "jobPriorityHigherThanOrEquals": 1, "failureLog": "true",
                        "withoutTenantId": "true", "deploymentId": "x", "hostname": "x"}.items():
        assert _log(supervisor, processInstanceId=case_id, **{name: value}) == [], name
    for key in ("timestamp", "jobId", "jobDefinitionId", "jobDueDate", "jobRetries", "jobPriority", "activityId",
                "executionId", "processInstanceId", "processDefinitionId", "processDefinitionKey", "deploymentId",
                "hostname", "occurrence", "tenantId"):
        asc = _log(supervisor, processInstanceId=case_id, sortBy=key, sortOrder="asc")
        assert len(asc) == 2, key
    by_due = [r["activityId"] for r in _log(supervisor, processInstanceId=case_id, sortBy="jobDueDate",
                                            sortOrder="desc")]
    assert by_due == ["expire", "remind"]
    posted = supervisor.post("/history/job-log", {"processInstanceId": case_id, "sorting": [
        {"sortBy": "activityId", "sortOrder": "asc"}]})
    assert [r["activityId"] for r in posted.json] == ["expire", "remind"]
    assert supervisor.post("/history/job-log/count", {"processInstanceId": case_id}).json == {"count": 2}
    paged = supervisor.post("/history/job-log?firstResult=1&maxResults=1", {
        "processInstanceId": case_id, "sorting": [{"sortBy": "activityId", "sortOrder": "asc"}]}).json
    assert [r["activityId"] for r in paged] == ["remind"]


def test_the_job_log_refuses_what_it_cannot_answer_and_keeps_to_scope(deployed, login_as):
    supervisor = login_as("supervisor")
    for name in ("batchId", "nonsense"):
        refused = supervisor.get("/history/job-log", **{name: "x"})
        assert refused.status_code == 400 and refused.json["field"] == name, refused.json
    refused = supervisor.get("/history/job-log", sortBy="nonsense", sortOrder="asc")
    assert refused.status_code == 400 and refused.json["field"] == "sortBy", refused.json
    refused = supervisor.post("/history/job-log", {"sorting": [{"sortBy": "nonsense", "sortOrder": "asc"}]})
    assert refused.status_code == 400, refused.json
    case_id = _start(login_as)
    entry = _log(supervisor, processInstanceId=case_id)[0]
    assert login_as("designer").get("/history/job-log").status_code == 403  # no history.read
    assert len(_log(login_as("auditor"), processInstanceId=case_id)) == 2
    other = login_as("window_hd")  # another township's window
    assert _log(other, processInstanceId=case_id) == []
    assert other.get(f"/history/job-log/{entry['id']}").status_code == 404


def test_jobs_waiting_before_the_job_log_are_logged_created_by_its_migration(deployed, login_as, runtime, clock):
    supervisor = login_as("supervisor")
    case_id, failing = _start(login_as), _start(login_as, "failing_timer")
    with runtime.unit_of_work() as uow:  # as before migration 0035
        uow.session.execute(delete(JobLog).where(JobLog.process_instance_id.in_((case_id, failing))))
        uow.session.execute(update(Job).where(Job.process_instance_id.in_((case_id, failing)))
                            .values(job_type=None, configuration=None))
        uow.commit()
    with runtime.session_factory.kw["bind"].begin() as connection:
        assert backfill_job_log(connection) == 3
    rows = {r["activityId"]: r for r in _log(supervisor, executionIdIn=f"{case_id},{failing}")}
    assert {a: (r["jobDefinitionType"], r["jobDefinitionConfiguration"], r["creationLog"])
            for a, r in rows.items()} == {
        "expire": ("timer-transition", "DURATION: P3D", True), "remind": ("timer-transition", "CYCLE: R2/PT1H", True),
        "wait": ("timer-intermediate-transition", "DURATION: P1D", True)}
    assert rows["expire"]["timestamp"] == _jobs(supervisor, case_id)["expire"]["createTime"]
    with runtime.session_factory.kw["bind"].begin() as connection:
        assert backfill_job_log(connection) == 0  # logged once


def test_a_migration_keeps_a_mapped_job_without_new_entries(deployed, login_as, clock):
    key, designer = f"jl_{uuid.uuid4().hex[:8]}", login_as("designer")
    for text in (V1, V2):
        assert deploy_files(designer, {f"{key}.bpmn": text.format(key=key)}).status_code == 200
    found = {d["version"]: d["id"] for d in designer.get("/process-definition", key=key).json}
    supervisor, window = login_as("supervisor"), login_as("window_cg")
    case_id = window.post(f"/process-definition/{found[1]}/start", {}).json["id"]
    [a] = window.get("/task", processInstanceId=case_id).json
    assert window.post(f"/task/{a['id']}/complete", {"variables": {}}).status_code == 204
    assert _kinds(_log(supervisor, processInstanceId=case_id)) == [("late", "created")]
    plan = supervisor.post("/migration/generate", {"sourceProcessDefinitionId": found[1],
                                                   "targetProcessDefinitionId": found[2]}).json
    plan["instructions"].append({"sourceActivityIds": ["b"], "targetActivityIds": ["review"]})
    assert supervisor.post("/migration/execute", {"migrationPlan": plan, "processInstanceIds": [case_id]}
                           ).status_code == 204
    assert _kinds(_log(supervisor, processInstanceId=case_id)) == [("late", "created")]  # the same job waits on
    [review] = window.get("/task", processInstanceId=case_id).json
    assert window.post(f"/task/{review['id']}/complete", {"variables": {}}).status_code == 204
    logged = _log(supervisor, processInstanceId=case_id, sortBy="occurrence", sortOrder="asc")
    assert _kinds(logged) == [("late", "created"), ("late", "deleted")]
    assert logged[1]["processDefinitionId"] == found[2]  # the job as it stood: moved to version 2
    assert _verified(login_as, case_id)



def test_a_flag_is_true_or_false_as_camunda_reads_it_else_refused(deployed, login_as):
    """Camunda reads a flag with Boolean.valueOf: `true` in any case is true, every other text false — so
    `creationLog=1` or `yes` lists every entry there, and took only the creation entries here. Such a value is refused
    naming the flag; `TRUE` and `False` are read as Camunda reads them."""
    supervisor = login_as("supervisor")
    case_id = _start(login_as)
    assert supervisor.post(f"/job/{_jobs(supervisor, case_id)['expire']['id']}/execute").status_code == 204
    assert len(_log(supervisor, processInstanceId=case_id)) == 4
    assert len(_log(supervisor, processInstanceId=case_id, creationLog="TRUE")) == 2
    assert len(_log(supervisor, processInstanceId=case_id, creationLog="False")) == 4
    for value in ("1", "yes", "on", "t", "0", "no"):
        refused = supervisor.get("/history/job-log", processInstanceId=case_id, creationLog=value)
        assert refused.status_code == 400 and refused.json["field"] == "creationLog", (value, refused.json)
        refused = supervisor.get("/task", unassigned=value)
        assert refused.status_code == 400 and refused.json["field"] == "unassigned", (value, refused.json)
    for value in ("yes", "on", "1"):
        refused = supervisor.post("/history/job-log", {"processInstanceId": case_id, "successLog": value})
        assert refused.status_code == 400 and refused.json["field"] == "successLog", (value, refused.json)
    assert len(supervisor.post("/history/job-log", {"processInstanceId": case_id, "successLog": True}).json) == 1
    assert len(supervisor.post("/history/job-log", {"processInstanceId": case_id, "successLog": "true"}).json) == 1


def test_an_empty_list_filter_is_refused_rather_than_selecting_nothing(deployed, login_as):
    """Camunda applies a list filter only when it holds a value (`activityIdIn: []` lists every entry), where the
    service's `IN ()` selected none: an empty list is refused naming the filter, on every list."""
    supervisor = login_as("supervisor")
    case_id = _start(login_as)
    assert len(_log(supervisor, processInstanceId=case_id)) == 2
    for name in ("activityIdIn", "failedActivityIdIn", "executionIdIn", "tenantIdIn"):
        for path in ("/history/job-log", "/history/job-log/count"):
            refused = supervisor.post(path, {"processInstanceId": case_id, name: []})
            assert refused.status_code == 400 and refused.json["field"] == name, (path, name, refused.json)
        refused = supervisor.get("/history/job-log", processInstanceId=case_id, **{name: ","})
        assert refused.status_code == 400 and refused.json["field"] == name, (name, refused.json)
    refused = supervisor.post("/task", {"processInstanceIdIn": []})
    assert refused.status_code == 400 and refused.json["field"] == "processInstanceIdIn", refused.json
