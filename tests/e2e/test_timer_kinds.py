"""Cycle and duration timers on boundary events (interrupting and not), and BPMN errors from workers."""

import io
from pathlib import Path

import pytest

from tests.support.deployments import deploy_files

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


CYCLES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
    <bpmn:userTask id="work" camunda:candidateGroups="window" />
    <bpmn:boundaryEvent id="remind" cancelActivity="false" attachedToRef="work">
      <bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="remind" targetRef="reminded" /><bpmn:endEvent id="reminded" />
    <bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


def _cycle_case(login_as, key: str, cycle: str) -> str:
    response = deploy_files(login_as("designer"), {f"{key}.bpmn": CYCLES.format(key=key, cycle=cycle)}, key)
    assert response.status_code == 200, response.json
    return login_as("window_cg").post(f"/process-definition/key/{key}/start", {}).json["id"]


def test_a_cron_cycle_as_camunda_writes_it_fires_at_its_times(login_as, clock):
    """`0 0 9 ? * 2-6`: Quartz's Monday to Friday (2–6) at 9:00; the clock is Monday 2026-09-28 10:00."""
    supervisor = login_as("supervisor")
    case = _cycle_case(login_as, "cron_cycle", "0 0 9 ? * 2-6")
    assert _jobs(supervisor, case)["remind"]["dueDate"] == "2026-09-29T09:00:00.000+0800"
    clock.set(clock.moment.replace(day=29, hour=1, minute=0, second=5))  # Tuesday 9:00:05 in Beijing
    assert supervisor.post(f"/job/{_jobs(supervisor, case)['remind']['id']}/execute").status_code == 204
    assert _jobs(supervisor, case)["remind"]["dueDate"] == "2026-09-30T09:00:00.000+0800"


def test_a_repeating_interval_from_a_past_start_fires_next_at_its_first_time_still_ahead(login_as, clock):
    """R5 daily from 09-26 09:00: 26, 27 and 28 (9:00) are past at 28 10:00, so it fires next on 29 at 9:00."""
    supervisor = login_as("supervisor")
    case = _cycle_case(login_as, "iso_start_cycle", "R5/2026-09-26T09:00:00+08:00/P1D")
    assert _jobs(supervisor, case)["remind"]["dueDate"] == "2026-09-29T09:00:00.000+0800"


def test_a_cron_firing_faster_than_the_shortest_cycle_is_refused(login_as):
    response = deploy_files(login_as("designer"), {"fast.bpmn": CYCLES.format(key="fast_cron", cycle="* * * * * ?")})
    assert response.status_code == 400 and response.json["element"] == "remind"
    assert "TIMER_MIN_CYCLE_SECONDS" in response.json["message"]
