"""The 低保 reference process end to end over the Camunda REST API."""

from tests.support import scenarios
from tests.support.dibao_steps import Case


def test_approval_path_from_accept_to_payment(login_as, clock):
    scenarios.dibao_approval(login_as, clock)


def test_township_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    scenarios.dibao_township_rejection(login_as, clock)


def test_objection_during_publicity_leads_to_appraisal_and_new_review(login_as, clock):
    scenarios.dibao_objection(login_as, clock)


def test_incomplete_materials_get_one_notice_then_return_to_accept(login_as, clock):
    scenarios.dibao_incomplete_materials(login_as, clock)


def test_history_records_every_activity_with_its_actor(login_as, clock):
    case = Case(login_as)
    case.accept()
    tasks = login_as("auditor").get("/history/task", processInstanceId=case.id).json
    accept = next(t for t in tasks if t["taskDefinitionKey"] == "accept")
    assert accept["assignee"] == "window_cg" and accept["endTime"] is not None
    activities = login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json
    assert {"start", "accept", "materials_check", "record_acceptance", "home_visit", "verify"} <= {
        a["activityId"] for a in activities}


def test_failed_match_is_told_to_the_applicant_and_an_objection_forces_a_recheck(login_as, clock):
    scenarios.dibao_failed_match(login_as, clock)


def test_where_the_township_decides_its_reviewer_decides_within_20_working_days(login_as, clock):
    scenarios.dibao_township_decides(login_as, clock)


def test_objection_after_the_due_time_but_before_the_timer_job_wins_alone(login_as, clock):
    scenarios.dibao_objection_beats_late_timer(login_as, clock)
