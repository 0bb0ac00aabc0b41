"""Deadlines of the whole case: each step's own due date inside the statutory limit, the limit itself on every
task (Camunda's `followUp`), and a non-interrupting timer that escalates to the supervisor when a step or the
whole case runs late — in 低保, 特困 and 临时救助 alike."""

from tests.support.case_steps import LinshiCase, TekunCase
from tests.support.dibao_steps import Case
from tests.support.web_client import Web

END = "T23:59:59.000+0800"


def escalations(login_as, case) -> list[tuple[str, str]]:
    supervisor = login_as("supervisor")
    rows = supervisor.client.get("/api/supervision/escalations", headers=supervisor.headers).json
    return [(e["timer"], e["activity"]) for e in rows if e["processInstanceId"] == case.id]


def test_dibao_review_leaves_the_county_its_days_and_the_county_is_never_due_after_the_case(
        app, login_as, clock):
    case = Case(login_as)
    case.accept()  # Mon 9/28: 30 wd end Fri 11/13 (国庆 and the 调休 Saturday 10/10 counted)
    assert case.task("investigator_cg", "home_visit")["followUp"] == "2026-11-13" + END
    case.investigate()
    review = case.task("reviewer_cg", "township_review")
    # 15 wd: the county keeps its 10 wd after the 7-day 公示
    assert (review["due"], review["followUp"]) == ("2026-10-23" + END, "2026-11-13" + END)
    page = Web(app, "reviewer_cg").get(f"/tasks/{review['id']}").text
    assert '<span id="case-deadline">案件办结时限：2026-11-13 23:59</span>' in page
    case.fire("township_review_late")
    assert escalations(login_as, case) == [("township_review_late", "township_review")]
    assert len(login_as("supervisor").get("/task", processInstanceId=case.id,
                                          taskDefinitionKey="late_escalation").json) == 1
    clock.set(clock.moment.replace(month=11, day=2))  # 初审 a week late
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    clock.set(clock.moment.replace(day=10))
    case.fire("publicity")  # files arrive Tue 11/10: ten working days would end 11/24
    county = case.task("county_reviewer", "county_review")
    assert (county["due"], county["followUp"]) == ("2026-11-13" + END, "2026-11-13" + END)
    case.fire("county_review_case_late")
    assert ("county_review_case_late", "county_review") in escalations(login_as, case)
    late = login_as("supervisor").get("/task", processInstanceId=case.id, taskDefinitionKey="late_escalation").json
    assert [t["candidateGroups"] for t in late] == [["supervisor"], ["supervisor"]]
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)  # the step goes on


def test_tekun_confirmation_is_due_within_the_case_limit_and_a_late_step_escalates(login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    # 15 wd of 初审 (10/23), the 7-day 公示 (10/30), 15 wd of 认定: Fri 11/20
    assert case.task("investigator_cg", "investigation")["followUp"] == "2026-11-20" + END
    case.investigate()
    case.fire("township_review_late")
    assert escalations(login_as, case) == [("township_review_late", "township_review")]
    clock.set(clock.moment.replace(month=11, day=9))
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")  # files on Mon 11/9: 15 wd would end 11/27
    confirmation = case.task("county_reviewer", "county_confirmation")
    assert (confirmation["due"], confirmation["followUp"]) == ("2026-11-20" + END, "2026-11-20" + END)
    assert case.job("county_confirmation_case_late")["dueDate"] == "2026-11-20" + END


def test_linshi_approval_is_due_within_the_case_limit_and_escalates_when_late(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(kind="支出", amount=3000.0)  # linshi_overall_limit: 20 wd, Fri 10/30
    assert case.task("investigator_cg", "investigation")["followUp"] == "2026-10-30" + END
    clock.set(clock.moment.replace(month=10, day=27))
    case.investigate_and_publish()  # approval on Tue 10/27: linshi_decision_days (5) would end 11/3
    approval = case.task("reviewer_cg", "township_approval")
    assert (approval["due"], approval["followUp"]) == ("2026-10-30" + END, "2026-10-30" + END)
    case.fire("township_approval_late")
    assert escalations(login_as, case) == [("township_approval_late", "township_approval")]
    assert login_as("supervisor").get("/task", processInstanceId=case.id,
                                      taskDefinitionKey="late_escalation").json[0]["name"] == "督办逾期"
