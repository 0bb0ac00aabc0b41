"""Timers fire from the job table by due time; external-task failures become incidents."""

from app.services.jobs import fire_due_jobs
from tests.support.dibao_steps import Case


def _to_publicity(login_as) -> Case:
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    return case


def test_due_timer_fires_by_poll_and_not_before(runtime, login_as, clock):
    case = _to_publicity(login_as)
    clock.advance(days=7)  # 10/5 10:00: publicity ends at 23:59:59 that day
    fire_due_jobs(runtime)
    assert case.activities() == ["publicity_gateway"]
    clock.advance(hours=14)
    assert fire_due_jobs(runtime) >= 1
    assert case.activities() == ["county_review"]
    assert case.waiting_jobs() == []  # only 审核确认's own late timers wait


def test_job_due_date_can_be_moved(login_as, runtime, clock):
    case = _to_publicity(login_as)
    job = case.job("publicity")
    response = login_as("supervisor").put(f"/job/{job['id']}/duedate", {"duedate": "2026-09-28T09:00:00+08:00"})
    assert response.status_code == 204
    fire_due_jobs(runtime)
    assert case.activities() == ["county_review"]


def test_only_operators_execute_jobs(login_as, clock):
    case = _to_publicity(login_as)
    job = case.job("publicity")
    assert login_as("window_cg").post(f"/job/{job['id']}/execute").status_code == 403
    assert login_as("auditor").post(f"/job/{job['id']}/execute").status_code == 403


def test_worker_failure_without_retries_becomes_an_incident(login_as, clock):
    case = Case(login_as)
    case.accept()
    verifier = login_as("verifier")
    locked = verifier.post("/external-task/fetchAndLock", {"workerId": "w1", "maxTasks": 50, "topics": [
        {"topicName": "household-verification", "lockDuration": 1000}]}).json
    task = next(t for t in locked if t["processInstanceId"] == case.id)
    assert task["variables"]["id_number"]["type"] == "String"
    assert verifier.post(f"/external-task/{task['id']}/complete", {"workerId": "someone-else"}).status_code == 400
    response = verifier.post(f"/external-task/{task['id']}/failure", {
        "workerId": "w1", "errorMessage": "公安车辆库不可用", "retries": 0, "retryTimeout": 0})
    assert response.status_code == 204
    incidents = login_as("supervisor").get("/incident").json
    assert any(i["processInstanceId"] == case.id and i["incidentType"] == "failedExternalTask" for i in incidents)


def test_locked_task_is_not_fetched_twice(login_as, clock):
    case = Case(login_as)
    case.accept()
    verifier = login_as("verifier")
    body = {"workerId": "w1", "maxTasks": 100, "topics": [{"topicName": "household-verification",
                                                          "lockDuration": 60000}]}
    first = {t["id"] for t in verifier.post("/external-task/fetchAndLock", body).json}
    second = {t["id"] for t in verifier.post("/external-task/fetchAndLock", {**body, "workerId": "w2"}).json}
    assert first and not first & second
    clock.advance(minutes=2)  # the lock expires and another worker may take it
    third = {t["id"] for t in verifier.post("/external-task/fetchAndLock", {**body, "workerId": "w2"}).json}
    assert first <= third


def test_only_the_matching_system_works_external_tasks(login_as, clock):
    response = login_as("window_cg").post("/external-task/fetchAndLock", {"workerId": "x", "topics": [
        {"topicName": "household-verification", "lockDuration": 1000}]})
    assert response.status_code == 403


def test_message_without_waiting_case_is_a_400(login_as):
    response = login_as("village_cg").post("/message", {"messageName": "publicity_objection",
                                                        "businessKey": "no-such-case"})
    assert response.status_code == 400 and response.json["field"] == "messageName"


def test_cancel_removes_open_work(login_as, clock):
    case = Case(login_as)
    case.accept()
    assert login_as("window_cg").delete(f"/process-instance/{case.id}").status_code == 403
    assert login_as("supervisor").delete(f"/process-instance/{case.id}").status_code == 204
    assert login_as("supervisor").get("/task", processInstanceId=case.id).json == []
    assert case.history()["state"] == "EXTERNALLY_TERMINATED"


def test_a_failing_timer_retries_with_backoff_then_becomes_an_incident(runtime, login_as, clock):
    import io
    from pathlib import Path

    designer = login_as("designer")
    fixture = (Path(__file__).parent.parent / "fixtures" / "failing_timer.bpmn").read_bytes()
    designer.client.post("/engine-rest/deployment/create", headers=designer.headers,
                         content_type="multipart/form-data",
                         data={"enable-duplicate-filtering": "true", "data": (io.BytesIO(fixture), "f.bpmn")})
    case_id = login_as("window_cg").post("/process-definition/key/failing_timer/start", {}).json["id"]
    supervisor = login_as("supervisor")
    for expected_retries in (2, 1, 0):
        clock.advance(days=1)
        fire_due_jobs(runtime)
        job = supervisor.get("/job", processInstanceId=case_id).json[0]
        assert job["retries"] == expected_retries and "missing_count" in job["exceptionMessage"]
    incidents = [i for i in supervisor.get("/incident").json if i["processInstanceId"] == case_id]
    # the job and its incident are the timer's; the failure happened in the script task after it (Camunda's
    # failedActivityId), and the filters select by it
    assert len(incidents) == 1 and (incidents[0]["activityId"], incidents[0]["failedActivityId"]) == ("wait", "compute")
    assert (job["activityId"], job["failedActivityId"]) == ("wait", "compute")
    for path in ("/job", "/incident"):
        assert [r["id"] for r in supervisor.get(path, processInstanceId=case_id, failedActivityId="compute").json] == [
            job["id"]]
        assert supervisor.get(path, processInstanceId=case_id, failedActivityId="wait").json == []
    assert supervisor.get(f"/history/process-instance/{case_id}").json["state"] == "ACTIVE"
    assert supervisor.post(f"/job/{job['id']}/execute").status_code == 422  # still failing, still stored
    assert supervisor.get("/job", processInstanceId=case_id).json[0]["id"] == job["id"]
