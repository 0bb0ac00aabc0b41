"""Migration 0042 on a database holding a failed job: the job, its incident and the incident's history row were
written knowing only the timer's activity, and after the upgrade name it as the activity the failure happened in,
which is what they served before; a failure after the upgrade names the script task it happened in."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.services.jobs import fire_due_jobs
from tests.support.timer_cases import fail_three_times, start_failing_case


def _failed_in(app) -> set[tuple[str, str | None]]:
    with app.extensions["db_engine"].connect() as conn:
        return {(table, found) for table in ("job", "incident", "history_incident")
                for found in conn.scalars(text(f"SELECT failed_activity_id FROM {table}"))}


def test_rows_written_before_name_the_timer_and_a_failure_after_names_the_script_task(app, runtime, login_as, clock):
    supervisor = login_as("supervisor")
    case_id = start_failing_case(login_as)
    fail_three_times(runtime, supervisor, case_id, clock)
    assert _failed_in(app) == {("job", "compute"), ("incident", "compute"), ("history_incident", "compute")}
    with app.app_context():
        downgrade(revision="0041")
        upgrade()
    assert _failed_in(app) == {("job", "wait"), ("incident", "wait"), ("history_incident", "wait")}
    job = supervisor.get("/job", processInstanceId=case_id).json[0]
    assert job["failedActivityId"] == "wait"
    assert supervisor.get("/incident", processInstanceId=case_id).json[0]["failedActivityId"] == "wait"
    # given a retry, the job fails again in the script task and says so
    assert supervisor.put(f"/job/{job['id']}/retries", {"retries": 1}).status_code == 204
    fire_due_jobs(runtime)
    assert supervisor.get("/job", processInstanceId=case_id).json[0]["failedActivityId"] == "compute"
