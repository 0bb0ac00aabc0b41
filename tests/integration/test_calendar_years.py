"""Deadlines past the known calendar are provisional until the year is loaded, then recomputed."""

import json
from datetime import UTC, datetime

from app.services.jobs import fire_due_jobs
from tests.support.case_steps import LinshiCase
from tests.support.dibao_steps import Case
from tests.support.referral_steps import ReferringCase, referral_tasks

SPRING_FESTIVAL = {f"2027-02-{day:02d}": "春节" for day in range(6, 13)}  # Sat 2/6 to Fri 2/12
YEAR_2027 = {"holidays": {"2027-01-01": "元旦", "2027-01-02": "元旦", "2027-01-03": "元旦", **SPRING_FESTIVAL},
             "workdays": {"2027-02-20": "春节调休"}}


def _put(api, year, body):
    return api.client.put(f"/api/calendar/{year}", data=json.dumps(body), headers=api.headers,
                          content_type="application/json")


def test_deadlines_and_timers_into_an_unknown_year_are_recomputed_when_the_year_is_loaded(runtime, login_as, clock):
    # one test, because 2027 can be loaded only once per database
    reviewing, deciding = _dibao_cases_with_review_deadlines_in_2027(login_as, clock)
    clock.set(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))  # Wed 2026-12-30 10:00 Beijing time
    referral = _referral_issued_across_new_year(login_as)
    case = Case(login_as)
    case.accept()
    visit = case.task("investigator_cg", "home_visit")
    # 12/31, then Fri 1/1 and Mon 1/4 counted as weekdays until 2027 is known
    assert visit["due"] == "2027-01-04T23:59:59.000+0800" and visit["dueProvisional"] is True
    emergency = LinshiCase(login_as)
    emergency.accept(kind="急难", amount=800.0)
    emergency.complete("reviewer_cg", "emergency_payment", paid_amount=800.0, paid_at="2026-12-30")
    # the deadline timer of 事后补充说明, 5 working days: 12/31, 1/1, 1/4, 1/5, 1/6 counted as weekdays
    assert emergency.job("documentation_overdue")["dueDate"] == "2027-01-06T23:59:59.000+0800"
    designer = login_as("designer")
    assert _put(login_as("window_cg"), 2027, YEAR_2027).status_code == 403
    response = _put(designer, 2027, YEAR_2027)
    assert response.status_code == 200 and response.json["recomputedTasks"] >= 2
    assert response.json["recomputedJobs"] >= 1
    visit = case.task("investigator_cg", "home_visit")
    assert visit["due"] == "2027-01-05T23:59:59.000+0800" and visit["dueProvisional"] is False
    # 12/31, Mon 1/4, 1/5, 1/6, 1/7: 元旦 1/1 and the weekend are not working days
    assert emergency.job("documentation_overdue")["dueDate"] == "2027-01-07T23:59:59.000+0800"
    assert emergency.task("window_cg", "post_documentation")["due"] == "2027-01-07T23:59:59.000+0800"
    _review_deadlines_moved_past_the_holidays(reviewing, deciding)
    _referral_deadline_moved_past_new_year(login_as, referral)
    _the_timer_fires_at_the_recomputed_time_not_before(runtime, login_as, clock, emergency)


def _dibao_cases_with_review_deadlines_in_2027(login_as, clock):
    """Return a 低保 case at 初审 and one at 审核确认, both with deadlines counted into the unknown 2027."""
    clock.set(datetime(2026, 12, 21, 2, 0, tzinfo=UTC))  # Mon 2026-12-21 10:00 Beijing time
    deciding = Case(login_as)
    deciding.accept()
    deciding.investigate()
    deciding.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    clock.set(datetime(2026, 12, 29, 2, 0, tzinfo=UTC))  # Tue 12/29: publicity over, files received
    deciding.fire("publicity")
    reviewing = Case(login_as)
    reviewing.accept()
    reviewing.investigate()
    # 初审: 15 of the 30 working days from 12/29: 12/30, 12/31, then every 2027 weekday (1/1 too) up to Tue 1/19
    review = reviewing.task("reviewer_cg", "township_review")
    assert review["due"] == "2027-01-19T23:59:59.000+0800" and review["dueProvisional"] is True
    # 10 working days from 12/29: 12/30, 12/31, 1/1, 1/4-1/8, 1/11, 1/12
    decision = deciding.task("county_reviewer", "county_review")
    assert decision["due"] == "2027-01-12T23:59:59.000+0800" and decision["dueProvisional"] is True
    return reviewing, deciding


def _review_deadlines_moved_past_the_holidays(reviewing, deciding):
    # 12/30, 12/31, 1/4-1/8, 1/11-1/15, 1/18, 1/19, 1/20: 元旦 1/1 is not a working day
    review = reviewing.task("reviewer_cg", "township_review")
    assert review["due"] == "2027-01-20T23:59:59.000+0800" and review["dueProvisional"] is False
    # 12/30, 12/31, 1/4-1/8, 1/11, 1/12, 1/13: 元旦 1/1 is not a working day
    decision = deciding.task("county_reviewer", "county_review")
    assert decision["due"] == "2027-01-13T23:59:59.000+0800" and decision["dueProvisional"] is False


def _referral_issued_across_new_year(login_as) -> ReferringCase:
    case = ReferringCase(login_as)
    case.accept(needs=["医疗"], note="住院自付费用较高")
    case.pay()
    [task] = referral_tasks(login_as, "dept_medical_user", case)
    # 3 working days from 12/30: 12/31, 1/1, 1/4 while 2027 is unknown
    assert task["due"] == "2027-01-04T23:59:59.000+0800" and task["dueProvisional"] is True
    assert case.job("accept_overdue")["dueDate"] == task["due"]
    return case


def _referral_deadline_moved_past_new_year(login_as, case: ReferringCase):
    [task] = referral_tasks(login_as, "dept_medical_user", case)
    # 12/31, Mon 1/4, 1/5: the called process's task is recomputed from its own input parameters
    assert task["due"] == "2027-01-05T23:59:59.000+0800" and task["dueProvisional"] is False
    assert case.job("accept_overdue")["dueDate"] == task["due"]  # its deadline timer moves with it


def _the_timer_fires_at_the_recomputed_time_not_before(runtime, login_as, clock, case):
    clock.set(datetime(2027, 1, 7, 2, 0, tzinfo=UTC))  # 1/7 10:00: past the provisional date, not the real one
    fire_due_jobs(runtime)
    supervisor = login_as("supervisor")
    assert supervisor.get("/task", processInstanceId=case.id, taskDefinitionKey="documentation_escalation").json == []
    assert case.job("documentation_overdue")
    clock.set(datetime(2027, 1, 7, 16, 0, 1, tzinfo=UTC))  # 1/8 00:00:01 Beijing time
    assert fire_due_jobs(runtime) >= 1
    assert case.task("supervisor", "documentation_escalation")
    assert case.task("window_cg", "post_documentation")  # the non-interrupting deadline leaves the task open


def test_bad_calendar_files_name_the_field(login_as):
    designer = login_as("designer")
    response = _put(designer, 2027, {"holidays": {"2028-01-01": "元旦"}})
    assert response.status_code == 400 and response.json["field"] == "holidays.2028-01-01"
    response = _put(designer, 2027, {"holidays": {"2027-02-30": "x"}})
    assert response.status_code == 400 and response.json["field"] == "holidays.2027-02-30"
    response = _put(designer, 2027, {"holidays": {"2027-05-01": "x"}, "workdays": {"2027-05-01": "y"}})
    assert response.status_code == 400 and response.json["field"] == "workdays"


def test_cli_loads_a_year_file(runner, tmp_path):
    path = tmp_path / "2028.json"
    path.write_text(json.dumps({"year": 2028, "holidays": {"2028-10-02": "国庆节"},
                                "workdays": {"2028-10-08": "国庆调休"}}), encoding="utf-8")
    result = runner.invoke(args=["calendar-load", str(path)])
    assert result.exit_code == 0, result.output
    assert "2028: 1 holidays, 1 make-up working days" in result.output

