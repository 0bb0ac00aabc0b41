"""Cycle and duration timers on boundary events (interrupting and not), and BPMN errors from workers."""

import io
from pathlib import Path

import pytest

FIXTURE = (Path(__file__).parent.parent / "fixtures" / "timers.bpmn").read_bytes()


@pytest.fixture
def case_id(login_as, clock):
    designer = login_as("designer")
    response = designer.client.post("/engine-rest/deployment/create", headers=designer.headers,
                                    content_type="multipart/form-data",
                                    data={"deployment-name": "timers", "enable-duplicate-filtering": "true",
                                          "data": (io.BytesIO(FIXTURE), "timers.bpmn")})
    assert response.status_code == 200, response.json
    return login_as("window_cg").post("/process-definition/key/timer_kinds/start", {}).json["id"]


def _jobs(api, case_id):
    return {j["activityId"]: j for j in api.get("/job", processInstanceId=case_id).json}


def _open(api, case_id):
    return sorted(t["taskDefinitionKey"] for t in api.get("/task", processInstanceId=case_id).json)


def test_cycle_timer_fires_repeatedly_without_interrupting(login_as, case_id):
    supervisor = login_as("supervisor")
    jobs = _jobs(supervisor, case_id)
    assert jobs["remind"]["dueDate"] == "2026-09-28T11:00:00.000+0800"
    assert jobs["expire"]["dueDate"] == "2026-10-01T10:00:00.000+0800"
    assert supervisor.post(f"/job/{jobs['remind']['id']}/execute").status_code == 204
    assert _open(supervisor, case_id) == ["work"]
    assert "remind" in _jobs(supervisor, case_id)  # one repetition left
    ended = [a["activityId"] for a in supervisor.get("/history/activity-instance", processInstanceId=case_id,
                                                     finished=True).json]
    assert "reminded" in ended


def test_interrupting_timer_cancels_the_task_and_its_other_timers(login_as, case_id):
    supervisor = login_as("supervisor")
    jobs = _jobs(supervisor, case_id)
    assert supervisor.post(f"/job/{jobs['expire']['id']}/execute").status_code == 204
    assert _open(supervisor, case_id) == ["escalated"]
    assert set(_jobs(supervisor, case_id)) == set()
    work = supervisor.get("/history/activity-instance", processInstanceId=case_id, activityId="work").json[0]
    assert work["canceled"] is True


def test_bpmn_error_from_worker_follows_the_error_boundary(login_as, case_id):
    verifier = login_as("verifier")
    locked = verifier.post("/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 100, "topics": [
        {"topicName": "lookup", "lockDuration": 60000}]}).json
    task = next(t for t in locked if t["processInstanceId"] == case_id)
    response = verifier.post(f"/external-task/{task['id']}/bpmnError", {"workerId": "w", "errorCode": "OTHER"})
    assert response.status_code == 400 and response.json["element"] == "lookup"
    response = verifier.post(f"/external-task/{task['id']}/bpmnError", {"workerId": "w", "errorCode": "NO_DATA"})
    assert response.status_code == 204, response.json
    assert "manual_lookup" in _open(login_as("supervisor"), case_id)
