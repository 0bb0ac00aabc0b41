"""GET /history/incident (and /count): every incident a case had — open, resolved when its job or external task
got new retries, deleted when its case ended — with each of Camunda's parameters honoured or refused."""

import uuid

import pytest

from app.services.jobs import fire_due_jobs
from tests.conftest import typed
from tests.support.deployments import deploy_fixture

TOPIC = "ping-check"


@pytest.fixture(scope="module")
def deployed(app):
    from tests.conftest import Api

    designer = Api(app.test_client(), "designer")
    deploy_fixture(designer, "message_wait.bpmn")
    deploy_fixture(designer, "failing_timer.bpmn")


def _failed_external_task(login_as) -> tuple[str, str]:
    """A case whose external task failed with no retries left: (case id, task id = incident id)."""
    key = f"HI-{uuid.uuid4().hex[:8]}"
    started = login_as("window_cg").post("/process-definition/key/message_wait/start",
                                         {"businessKey": key, "variables": typed(village="dongguan")})
    case_id = started.json["id"]
    assert login_as("window_cg").post("/message", {"messageName": "ping", "processInstanceId": case_id}
                                      ).status_code == 204
    locked = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "w1", "maxTasks": 1, "topics": [{"topicName": TOPIC, "lockDuration": 60000, "businessKey": key}]})
    task_id = locked.json[0]["id"]
    assert login_as("verifier").post(f"/external-task/{task_id}/failure", {
        "workerId": "w1", "errorMessage": "公安接口超时", "retries": 0}).status_code == 204
    return case_id, task_id


def _failed_job(login_as, runtime, clock) -> tuple[str, str]:
    """A case whose timer failed three times: (case id, job id)."""
    case_id = login_as("window_cg").post("/process-definition/key/failing_timer/start", {}).json["id"]
    clock.advance(days=1)
    for backoff in (30, 60, 120):
        fire_due_jobs(runtime)
        clock.advance(seconds=backoff)
    fire_due_jobs(runtime)
    job = login_as("supervisor").get("/job", processInstanceId=case_id).json[0]
    assert job["retries"] == 0, job
    return case_id, job["id"]


def _history(api, **params) -> list[dict]:
    rows = api.get("/history/incident", **params).json
    filters = {k: v for k, v in params.items() if k not in ("sortBy", "sortOrder")}
    assert api.get("/history/incident/count", **filters).json["count"] == len(rows), params
    return rows


def test_incidents_are_kept_open_resolved_and_deleted(deployed, login_as, runtime, clock):
    supervisor = login_as("supervisor")
    resolved_case, task_id = _failed_external_task(login_as)
    open_case, job_id = _failed_job(login_as, runtime, clock)
    deleted_case, deleted_task = _failed_external_task(login_as)
    [open_row] = _history(supervisor, processInstanceId=open_case)
    assert (open_row["id"], open_row["incidentType"], open_row["open"], open_row["endTime"]) == (
        job_id, "failedJob", True, None)
    assert open_row["jobDefinitionId"] and open_row["configuration"] == job_id
    # the timer's incident, raised by the script task after it
    assert (open_row["activityId"], open_row["failedActivityId"]) == ("wait", "compute")
    assert [r["id"] for r in _history(supervisor, processInstanceId=open_case, failedActivityId="compute")] == [job_id]
    assert _history(supervisor, processInstanceId=open_case, failedActivityId="wait") == []
    # its history configuration is the job log's entry of the failure that raised it (the last, no retries left)
    last_failure = supervisor.get("/history/job-log", jobId=job_id, failureLog="true", sortBy="occurrence",
                                  sortOrder="desc").json[0]
    assert open_row["historyConfiguration"] == last_failure["id"] and last_failure["jobRetries"] == 1
    assert [r["id"] for r in _history(supervisor, historyConfiguration=last_failure["id"])] == [job_id]
    assert supervisor.put(f"/external-task/{task_id}/retries", {"retries": 1}).status_code == 204
    [resolved] = _history(supervisor, processInstanceId=resolved_case)
    assert (resolved["id"], resolved["resolved"], resolved["open"], resolved["incidentMessage"]) == (
        task_id, True, False, "公安接口超时")
    assert resolved["historyConfiguration"] is None  # an external task's failure has no job-log entry
    assert resolved["endTime"].endswith("+0800") and resolved["createTime"] <= resolved["endTime"]
    assert supervisor.get("/incident", processInstanceId=resolved_case).json == []  # gone from the runtime
    assert supervisor.delete(f"/process-instance/{deleted_case}").status_code == 204
    [deleted] = _history(supervisor, processInstanceId=deleted_case)
    assert (deleted["id"], deleted["deleted"], deleted["open"]) == (deleted_task, True, False) and deleted["endTime"]
    # the state flags and the other filters select exactly
    ours = {resolved_case, open_case, deleted_case}
    for flag, case_id in (("open", open_case), ("resolved", resolved_case), ("deleted", deleted_case)):
        assert {r["processInstanceId"] for r in _history(supervisor, **{flag: "true"})} & ours == {case_id}, flag
    assert {r["processInstanceId"] for r in _history(supervisor, incidentType="failedJob")} & ours == {open_case}
    assert [r["id"] for r in _history(supervisor, incidentId=task_id)] == [task_id]
    assert [r["id"] for r in _history(supervisor, configuration=job_id)] == [job_id]
    assert _history(supervisor, processDefinitionKey="failing_timer", processInstanceId=resolved_case) == []
    assert [r["id"] for r in _history(supervisor, processDefinitionKeyIn="failing_timer,x",
                                      processInstanceId=open_case)] == [job_id]
    assert [r["id"] for r in _history(supervisor, incidentMessageLike="%公安%", processInstanceId=deleted_case)
            ] == [deleted_task]
    later = _history(supervisor, createTimeAfter=open_row["createTime"], processInstanceId=resolved_case)
    assert later == []  # the external task failed before the timer's incident
    assert [r["id"] for r in _history(supervisor, endTimeAfter="2000-01-01T00:00:00.000+0800",
                                      processInstanceId=resolved_case)] == [task_id]
    ordered = [r["processInstanceId"] for r in _history(supervisor, sortBy="createTime", sortOrder="desc")
               if r["processInstanceId"] in ours]
    assert ordered == [deleted_case, open_case, resolved_case]
    by_state = [r["processInstanceId"] for r in _history(supervisor, sortBy="incidentState", sortOrder="asc")
                if r["processInstanceId"] in ours]
    assert by_state == [deleted_case, open_case, resolved_case]  # deleted < open < resolved, as the words sort


def test_history_incident_refuses_what_it_cannot_answer_and_keeps_to_scope(deployed, login_as):
    supervisor = login_as("supervisor")
    refused = supervisor.get("/history/incident", nonsense="x")
    assert refused.status_code == 400 and refused.json["field"] == "nonsense", refused.json
    assert supervisor.get("/history/incident", sortBy="nonsense", sortOrder="asc").status_code == 400
    case_id, _ = _failed_external_task(login_as)
    assert login_as("designer").get("/history/incident").status_code == 403  # no history.read
    assert _history(login_as("auditor"), processInstanceId=case_id) != []
    assert _history(login_as("window_hd"), processInstanceId=case_id) == []  # another township's window

