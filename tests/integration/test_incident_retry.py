"""A failing timer job retries with backoff, becomes an incident, and recovers by hand once its cause is repaired."""

import uuid

from app.engine.runner import CaseRun
from app.services.cases import start_case
from app.services.commands import StartCase
from app.services.jobs import fire_due_jobs
from app.services.users import authenticate
from tests.conftest import PASSWORD
from tests.support.timer_cases import (
    deploy_timer_fixture,
    fail_three_times,
    incidents_of,
    job_of,
    start_failing_case,
    start_timer_cases,
    states,
    timer_events,
)


def test_a_failed_job_becomes_an_incident_and_recovers_by_a_manual_retry_after_repair(runtime, login_as, clock):
    case_id = start_failing_case(login_as)
    supervisor = login_as("supervisor")
    job = fail_three_times(runtime, supervisor, case_id, clock)
    incidents = incidents_of(supervisor, case_id)
    assert len(incidents) == 1 and incidents[0]["incidentType"] == "failedJob"
    assert incidents[0]["configuration"] == job["id"]
    retry = f"/job/{job['id']}/retries"
    assert login_as("window_cg").put(retry, {"retries": 1}).status_code == 403
    assert supervisor.put(retry, {"retries": -1}).json["field"] == "retries"
    # retried before the cause is repaired: it fails again and the incident comes back
    assert supervisor.put(retry, {"retries": 1}).status_code == 204
    assert incidents_of(supervisor, case_id) == []
    fire_due_jobs(runtime)
    assert job_of(supervisor, case_id)["retries"] == 0 and len(incidents_of(supervisor, case_id)) == 1
    repair = {"modifications": {"missing_count": {"value": 41, "type": "Integer"}}}
    assert login_as("window_cg").post(f"/process-instance/{case_id}/variables", repair).status_code == 403
    assert supervisor.post(f"/process-instance/{case_id}/variables", repair).status_code == 204
    assert supervisor.put(retry, {"retries": 1}).status_code == 204
    assert fire_due_jobs(runtime) == 1
    assert incidents_of(supervisor, case_id) == [] and supervisor.get("/job", processInstanceId=case_id).json == []
    history = login_as("auditor").get(f"/history/process-instance/{case_id}").json
    assert history["state"] == "COMPLETED"
    variables = supervisor.get(f"/process-instance/{case_id}/variables").json
    assert variables["total"]["value"] == 42


def test_retries_of_an_unknown_job_is_a_404(login_as):
    response = login_as("supervisor").put("/job/no-such-job/retries", {"retries": 1})
    assert response.status_code == 404 and response.json["field"] == "id"




def test_a_failing_timer_in_a_batch_holds_back_none_of_the_others(runtime, login_as, clock):
    """Timers fire ten to a transaction; one that fails rolls its batch back, and the rest fire one by one."""
    deploy_timer_fixture(login_as)
    ids = start_timer_cases(runtime, clock, f"BATCH-{uuid.uuid4().hex[:8]}", 4)
    failing = start_failing_case(login_as)
    ids += start_timer_cases(runtime, clock, f"BATCH-{uuid.uuid4().hex[:8]}", 4)
    clock.advance(days=1)  # all nine are due, the failing one in the middle of the batch
    assert fire_due_jobs(runtime) == 8
    assert states(runtime, ids) == {"COMPLETED"}
    assert [event.process_instance_id for event in timer_events(runtime, ids)] == ids  # each once, oldest first
    failed = job_of(login_as("supervisor"), failing)
    assert failed["retries"] == 2 and "missing_count" in failed["exceptionMessage"]


def test_a_timer_that_meets_a_defect_fails_alone_and_the_poll_goes_on(runtime, login_as, clock, monkeypatch):
    """An unexpected error firing one timer (a defect, not the workflow's own failure) spends that timer's retry
    with backoff, as a workflow failure does; the timers around it still fire, and it fires once the defect is gone."""
    deploy_timer_fixture(login_as)
    ids = start_timer_cases(runtime, clock, f"DEFECT-{uuid.uuid4().hex[:8]}", 3)
    poisoned = ids.pop(1)
    supervisor = login_as("supervisor")
    job_id = job_of(supervisor, poisoned)["id"]
    fire_timer = CaseRun.fire_timer

    def defective(run, task_id):
        if task_id == job_id:
            raise RuntimeError("simulated defect")
        return fire_timer(run, task_id)

    monkeypatch.setattr(CaseRun, "fire_timer", defective)
    clock.advance(days=1)
    assert fire_due_jobs(runtime) == 2
    assert states(runtime, ids) == {"COMPLETED"}
    failed = job_of(supervisor, poisoned)
    assert failed["retries"] == 2 and "RuntimeError: simulated defect" in failed["exceptionMessage"]
    monkeypatch.undo()
    clock.advance(seconds=30)
    assert fire_due_jobs(runtime) == 1
    assert states(runtime, [poisoned]) == {"COMPLETED"}


def test_a_defect_quoting_a_personal_value_is_stored_and_served_masked(runtime, login_as, clock, monkeypatch):
    """A defect's message and stack trace may quote a case value (an exception's text): the job, its incident, the
    job log and the stack trace served over REST show it masked, as a workflow failure's message is."""
    deploy_timer_fixture(login_as)
    id_number = "340102199001011234"
    case_id = start_case(runtime, StartCase(authenticate(runtime, "window_cg", PASSWORD), "timer_once",
                                            f"LEAK-{uuid.uuid4().hex[:8]}", {"id_number": id_number})).id

    def defective(run, task_id):
        raise ValueError(f"no household for {id_number}")

    monkeypatch.setattr(CaseRun, "fire_timer", defective)
    for _ in range(3):
        clock.advance(days=1)
        fire_due_jobs(runtime)
    supervisor, auditor = login_as("supervisor"), login_as("auditor")
    job = job_of(supervisor, case_id)
    [incident] = incidents_of(supervisor, case_id)
    entries = auditor.get("/history/job-log", processInstanceId=case_id, failureLog="true").json
    stacks = [auditor.client.get(f"/engine-rest/history/job-log/{entry['id']}/stacktrace", headers=auditor.headers)
              for entry in entries]
    assert job["retries"] == 0 and len(entries) == 3 and all(s.status_code == 200 for s in stacks)
    assert all(s.text.startswith("Traceback") and "ValueError" in s.text for s in stacks)
    shown = [job["exceptionMessage"], incident["incidentMessage"], *(e["jobExceptionMessage"] for e in entries),
             *(s.text for s in stacks)]
    assert all("no household for" in text for text in shown)
    assert not any(id_number in text for text in shown)
