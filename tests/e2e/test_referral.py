"""转介 referrals end to end: a case refers assessed needs to departments, which accept and report back."""


from tests.conftest import typed
from tests.support import scenarios
from tests.support.case_steps import TekunCase
from tests.support.dibao_steps import Case, unique_id_number
from tests.support.referral_steps import ACCEPT_DUE, ReferringCase, referral_tasks, returned_referrals


def test_a_referral_goes_to_the_department_and_its_feedback_returns_to_the_case(login_as, clock):
    scenarios.referral_call_activity(login_as, clock)


def test_two_needs_go_to_two_departments_and_both_answers_are_collected(login_as, clock):
    case = Case(login_as)
    case.accept(needs=["医疗", "住房"], note="房屋漏雨，患慢性病")
    assert len(referral_tasks(login_as, "dept_medical_user", case)) == 1
    assert len(referral_tasks(login_as, "dept_housing_user", case)) == 1
    assert referral_tasks(login_as, "dept_education_user", case) == []
    case.complete("dept_housing_user", "referral_accept", referral_decision="decline",
                  decline_reason="已纳入农村危房改造，无需重复救助")
    [declined] = returned_referrals(case)  # each answer shows on the case as soon as it arrives
    assert declined["need"] == "住房" and declined["accepted"] is False
    case.complete("dept_medical_user", "referral_accept", referral_decision="accept")
    case.complete("dept_medical_user", "referral_feedback", outcome="已服务",
                  amount_or_service="纳入门诊慢特病保障", feedback_date="2026-10-12")
    referrals = {r["need"]: r for r in returned_referrals(case)}
    assert referrals["住房"]["accepted"] is False and referrals["住房"]["dept"] == "dept_housing"
    assert referrals["住房"]["decline_reason"] == "已纳入农村危房改造，无需重复救助"
    assert referrals["医疗"]["accepted"] is True and referrals["医疗"]["outcome"] == "已服务"
    assert case.task("investigator_cg", "home_visit")  # the 低保 case itself went on meanwhile


def test_a_decline_needs_a_reason(login_as, clock):
    case = ReferringCase(login_as)
    case.accept(needs=["就业"])
    response = case.submit("dept_employment_user", "referral_accept", referral_decision="decline")
    assert response.status_code == 400 and response.json["field"] == "decline_reason"
    response = case.submit("dept_employment_user", "referral_accept", referral_decision="maybe")
    assert response.status_code == 400 and response.json["field"] == "referral_decision"
    case.complete("dept_employment_user", "referral_accept", referral_decision="decline",
                  decline_reason="申请人已稳定就业")
    case.pay()
    assert case.history()["state"] == "COMPLETED"
    [returned] = returned_referrals(case)
    assert returned["accepted"] is False and returned["outcome"] is None


def test_an_unknown_need_is_refused_at_intake(login_as, clock):
    case = ReferringCase(login_as)
    task = case.task("window_cg", "accept")
    response = login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": typed(
        applicant_name="李梅", id_number=unique_id_number(born="19900307"), kind="急难", amount=100.0, reason="急病",
        needs=["医疗", "旅游"])})
    assert response.status_code == 400 and response.json["field"] == "needs"


def test_no_needs_means_no_referral(login_as, clock):
    case = ReferringCase(login_as)
    case.accept()
    case.pay()
    assert case.history()["state"] == "COMPLETED"
    activities = {a["activityId"] for a in login_as("auditor").get(
        "/history/activity-instance", processInstanceId=case.id).json}
    assert "no_referral" in activities and "refer_needs#multiInstanceBody" not in activities
    assert "referrals" not in case.variables()


def test_an_overdue_acceptance_escalates_while_the_referral_stays_open(login_as, clock):
    case = ReferringCase(login_as)
    case.accept(needs=["法律援助"])
    [task] = referral_tasks(login_as, "dept_legal_user", case)
    assert case.job("accept_overdue")["dueDate"] == ACCEPT_DUE
    clock.set(clock.moment.replace(month=10, day=9))
    case.fire("accept_overdue")
    supervisor = login_as("supervisor")
    escalations = supervisor.client.get("/api/supervision/escalations", query_string={"state": "OPEN"},
                                        headers=supervisor.headers).json
    mine = [e for e in escalations if e["processInstanceId"] in case.instance_ids()]  # the referral's instance
    assert len(mine) == 1 and mine[0]["activity"] == "referral_accept" and mine[0]["taskId"] == task["id"]
    assert referral_tasks(login_as, "dept_legal_user", case)[0]["id"] == task["id"]  # still open
    case.complete("dept_legal_user", "referral_accept", referral_decision="accept")
    assert case.job("feedback_overdue")["dueDate"] == "2026-10-29T23:59:59.000+0800"  # 15 wd from 10/9
    clock.set(clock.moment.replace(day=30))
    case.fire("feedback_overdue")
    escalations = supervisor.client.get("/api/supervision/escalations", query_string={"state": "OPEN"},
                                        headers=supervisor.headers).json
    late = [e["activity"] for e in escalations if e["processInstanceId"] in case.instance_ids()]
    assert sorted(late) == ["referral_accept", "referral_feedback"]
    case.complete("dept_legal_user", "referral_feedback", outcome="已服务", amount_or_service="指派律师代理",
                  feedback_date="2026-10-30")
    assert returned_referrals(case)[0]["outcome"] == "已服务"


def test_the_deadlines_are_county_settings(login_as, clock):
    designer = login_as("designer")
    url = "/api/counties/sfx/settings/referral_accept_days"
    assert designer.client.put(url, json={"value": 5}, headers=designer.headers).status_code in (200, 204)
    try:
        case = ReferringCase(login_as)
        case.accept(needs=["慈善"])
        [task] = referral_tasks(login_as, "charity_user", case)
        assert task["due"] == "2026-10-10T23:59:59.000+0800"  # 9/29, 9/30, 10/8, 10/9, 10/10 (调休)
    finally:
        designer.client.put(url, json={"value": 3}, headers=designer.headers)


def test_a_department_sees_only_its_own_referrals_in_its_own_unit(login_as, clock):
    case = Case(login_as)
    case.accept(needs=["教育", "残疾"])
    education = login_as("dept_education_user")
    assert referral_tasks(login_as, "dept_medical_user", case) == []
    [mine] = referral_tasks(login_as, "dept_education_user", case)
    assert mine["taskDefinitionKey"] == "referral_accept" and mine["candidateGroups"] == ["dept_education"]
    other_case_task = case.task("investigator_cg", "home_visit")
    assert education.get(f"/task/{other_case_task['id']}").status_code == 404
    assert education.get(f"/task/{other_case_task['id']}/form-variables").status_code == 404
    assert education.get(f"/process-instance/{case.id}").status_code in (403, 404)
    assert education.get(f"/process-instance/{case.id}/variables").status_code in (403, 404)
    disability = referral_tasks(login_as, "dept_disability_user", case)[0]
    assert education.get(f"/task/{disability['id']}").status_code == 404
    response = education.post(f"/task/{disability['id']}/complete", {"variables": {}})
    assert response.status_code == 404
    shown = education.get(f"/task/{mine['id']}/form-variables").json
    assert shown["need"]["value"] == "教育" and "per_capita_income" not in shown
    for instance_id in case.instance_ids():  # the case and the referral instances it called
        assert education.get(f"/process-instance/{instance_id}").status_code in (403, 404)
        assert education.get(f"/process-instance/{instance_id}/variables").status_code in (403, 404)
        assert login_as("dept_medical_hd").get("/task", processInstanceId=instance_id).json == []
        assert login_as("window_hd").get("/task", processInstanceId=instance_id).json == []
        assert login_as("window_hd").get(f"/process-instance/{instance_id}").status_code == 404


def test_a_tekun_case_refers_too(login_as, clock):
    case = TekunCase(login_as)
    case.accept(needs=["残疾"], note="二级肢体残疾，申请护理补贴")
    [task] = referral_tasks(login_as, "dept_disability_user", case)
    assert task["candidateGroups"] == ["dept_disability"] and task["due"] == ACCEPT_DUE
    assert case.task("investigator_cg", "investigation")  # the 特困 case goes on meanwhile


def test_cancelling_the_case_withdraws_its_open_referrals(login_as, clock):
    scenarios.referral_withdrawn_by_cancellation(login_as, clock)
