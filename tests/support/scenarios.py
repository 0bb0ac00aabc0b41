"""The process paths replay and the state codec are proved on, each a plain walk with its checks on the way.

The end-to-end tests (tests/e2e/test_dibao.py, test_linshi.py, test_tekun.py, test_dynamic.py,
test_dynamic_tekun.py, test_referral.py) run each once; tests/integration/test_replay.py and
test_state_codec.py walk them again to replay or re-serialize what they stored.
"""

import random
from datetime import UTC, datetime

from tests.support.case_steps import LinshiCase, TekunCase, published
from tests.support.dibao_steps import Case
from tests.support.dynamic_steps import approved, findings, id_number_born, investigate, recheck, supported
from tests.support.referral_steps import ACCEPT_DUE, FEEDBACK_DUE, ReferringCase, referral_tasks, returned_referrals


def dibao_approval(login_as, clock):
    case = Case(login_as)
    accept = case.task("window_cg", "accept")
    assert accept["candidateGroups"] == ["window"]
    case.accept()
    home_visit = case.task("investigator_cg", "home_visit")
    # accepted Mon 2026-09-28: three working days are 9/29, 9/30 and, after 国庆 (10/1-10/7), 10/8.
    assert home_visit["due"] == "2026-10-08T23:59:59.000+0800"
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    assert case.activities() == ["publicity_gateway"]  # Camunda too waits in the event-based gateway
    publicity = case.job("publicity")
    assert publicity["dueDate"] == "2026-10-05T23:59:59.000+0800"  # seven calendar days
    clock.advance(days=8)
    case.fire("publicity")
    county = case.task("county_reviewer", "county_review")
    assert county["candidateGroups"] == ["county_reviewer"]
    # files received Tue 10/6 (holiday); ten working days count 调休 Saturday 10/10 and end on 10/20.
    assert county["due"] == "2026-10-20T23:59:59.000+0800"
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    assert case.variables()["payment_from"] == "2026-11"
    case.complete("finance", "payment", first_payment_month="2026-11")
    case.hand_over("approval_notice")
    # 动态管理: the household now waits for its yearly re-check (tests/e2e/test_dynamic.py drives it)
    assert case.activities() == ["recheck_wait"]  # the re-check timer, or a reported death
    assert case.job("recheck_timer")["dueDate"] == "2027-10-06T23:59:59.000+0800"


def dibao_township_rejection(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    clock.advance(days=1)  # Tue 9/29
    case.complete("reviewer_cg", "township_review", opinion="reject", reason="家庭人均收入高于当地低保标准")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["due"] == "2026-10-09T23:59:59.000+0800"  # 9/30, 10/8, 10/9
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.history()["state"] == "COMPLETED"


def dibao_objection(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    response = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": {"objection_text": {"value": "申请人有营运车辆", "type": "String"}}})
    assert response.status_code == 204, response.json
    assert case.waiting_jobs() == []
    case.complete("village_cg", "democratic_appraisal", participants="赵六,钱七,孙八",
                  appraisal_result="support", appraisal_minutes="经评议，车辆已于去年出售")
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    # an objection means the county visits the household before deciding
    case.complete("county_reviewer", "county_home_visit", visitors="周九,吴十", visit_date="2026-10-09",
                  findings="核实无车辆")
    case.complete("county_reviewer", "county_review", decision="reject", reason="核查发现隐瞒收入")
    assert case.variables()["overall_limit"] == 45
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.history()["state"] == "COMPLETED"


def dibao_incomplete_materials(login_as, clock):
    case = Case(login_as)
    case.accept(materials_complete=False, missing_materials="户口簿复印件；残疾证")
    notice = case.task("window_cg", "notify_missing")
    assert notice["due"] == "2026-09-29T23:59:59.000+0800"
    case.complete("window_cg", "notify_missing", missing_materials="户口簿复印件；残疾证", notice_delivered=True)
    case.accept()
    assert sorted(case.activities()) == ["home_visit", "verify"]


def dibao_failed_match(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="属实")
    verifier = login_as("verifier")
    body = {"workerId": "m", "maxTasks": 100, "topics": [{"topicName": "household-verification",
                                                         "lockDuration": 60000}]}
    task = next(t for t in verifier.post("/external-task/fetchAndLock", body).json
                if t["processInstanceId"] == case.id)
    verifier.post(f"/external-task/{task['id']}/complete", {"workerId": "m", "variables": {
        "verification_result": {"value": "mismatch", "type": "String"}}})
    case.complete("window_cg", "notify_mismatch", mismatch_notice_delivered=True, applicant_objects=True,
                  objection_evidence="车辆已过户，附过户证明")
    assert "verify" in case.activities()  # the home visit is done; the join waits for the re-check
    case.verify()
    assert case.activities() == ["township_review"]


def dibao_township_decides(login_as, clock):
    designer = login_as("designer")
    set_delegation = designer.client.put
    url, headers = "/api/counties/sfx/settings/township_decides", designer.headers
    assert login_as("window_cg").client.put(url, json={"value": True},
                                            headers=login_as("window_cg").headers).status_code == 403
    assert set_delegation(url, json={"value": "yes"}, headers=headers).status_code == 400
    running = Case(login_as)  # started before the change: keeps the county decision
    assert set_delegation(url, json={"value": True}, headers=headers).status_code == 204
    try:
        delegated = Case(login_as)
    finally:
        assert set_delegation(url, json={"value": False}, headers=headers).status_code == 204
    for case in (running, delegated):
        case.accept()
        case.investigate()
        case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
        case.fire("publicity")
    assert running.task("county_reviewer", "county_review")["candidateGroups"] == ["county_reviewer"]
    decision = delegated.task("reviewer_cg", "county_review")
    assert decision["candidateGroups"] == ["township_reviewer"]
    assert decision["due"] == "2026-10-30T23:59:59.000+0800"  # 20 working days after 受理 on 9/28
    delegated.complete("reviewer_cg", "county_review", decision="approve", amount=1140.0)
    assert delegated.task("finance", "payment")


def dibao_objection_beats_late_timer(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    clock.advance(days=8)  # 公示 is over on paper, but its job has not run yet
    response = login_as("village_cg").post("/message", {"messageName": "publicity_objection",
                                                        "businessKey": case.business_key})
    assert response.status_code == 204, response.json
    assert case.activities() == ["democratic_appraisal"]
    assert case.waiting_jobs() == []


def linshi_emergency(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=2000.0)
    payment = case.task("reviewer_cg", "emergency_payment")
    assert payment["candidateGroups"] == ["township_reviewer"]
    assert payment["due"] == "2026-09-29T23:59:59.000+0800"  # one working day after 受理 on Mon 9/28
    case.complete("reviewer_cg", "emergency_payment", paid_amount=2000.0, paid_at="2026-09-28")
    documentation = case.task("window_cg", "post_documentation")
    # 9/29, 9/30, then after 国庆 (10/1-10/7) 10/8, 10/9 and the 调休 Saturday 10/10
    assert documentation["due"] == "2026-10-10T23:59:59.000+0800"
    assert case.job("documentation_overdue")["dueDate"] == "2026-10-10T23:59:59.000+0800"
    activities = {a["activityId"] for a in login_as("auditor").get(
        "/history/activity-instance", processInstanceId=case.id).json}
    assert not activities & {"investigation", "publicity_gateway", "democratic_appraisal"}
    case.complete("window_cg", "post_documentation", who="李梅；经办人张强", why="火灾致住房损毁，生活无着",
                  how_much=2000.0, signatures_complete=True)
    assert case.state() == "COMPLETED"
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []


def linshi_emergency_overdue(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=800.0)
    case.complete("reviewer_cg", "emergency_payment", paid_amount=800.0, paid_at="2026-09-28")
    clock.set(clock.moment.replace(month=10, day=11))
    case.fire("documentation_overdue")
    escalation = case.task("supervisor", "documentation_escalation")
    assert escalation["candidateGroups"] == ["supervisor"]
    assert case.task("window_cg", "post_documentation")  # still open: the timer does not interrupt it
    case.complete("supervisor", "documentation_escalation", comment="请于两日内补齐签字")
    assert case.state() == "ACTIVE"  # the case cannot end before the documentation is done
    case.complete("window_cg", "post_documentation", who="李梅", why="交通事故", how_much=800.0,
                  signatures_complete=True)
    assert case.state() == "COMPLETED"


def linshi_expense_tier(login_as, clock, amount, activity, user, tier):
    case = LinshiCase(login_as)
    case.accept(amount=amount)
    assert case.task("investigator_cg", "investigation")["due"] == "2026-10-08T23:59:59.000+0800"
    case.investigate_and_publish()
    assert case.activities() == [activity]
    assert case.variables()["tier"] == tier
    assert case.task(user, activity)


def linshi_staged_payment(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(amount=9999.99)
    case.investigate_and_publish()
    case.complete("reviewer_cg", "township_approval", decision="approve", approved_amount=9000.0, installments=2)
    assert case.activities() == ["approval_notice"]  # the household is told first, then paid
    case.hand_over("approval_notice")
    assert case.activities() == ["staged_payment"]
    assert case.variables()["installment"] == 1
    first = case.complete("finance", "staged_payment", paid=True, installment_amount=4500.0)
    assert case.variables()["installment"] == 2
    second = case.complete("finance", "staged_payment", paid=True, installment_amount=4500.0)
    assert first["id"] != second["id"]
    assert case.state() == "COMPLETED"
    payments = login_as("auditor").get("/history/activity-instance", processInstanceId=case.id,
                                       activityId="staged_payment").json
    assert len(payments) == 2


def linshi_rejection(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(amount=12000)
    case.complete("investigator_cg", "investigation", visitors="李四,王五", findings="有稳定收入")
    case.verify()
    clock.advance(days=8)  # publicity over on Tue 10/6, a holiday
    case.fire("publicity")
    case.complete("county_reviewer", "county_approval", decision="reject", reason="家庭收入足以承担该项支出")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["due"] == "2026-10-10T23:59:59.000+0800"  # 10/8, 10/9 and the 调休 Saturday 10/10
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.state() == "COMPLETED"


def linshi_objection(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(amount=3000.0)
    case.complete("investigator_cg", "investigation", visitors="李四,王五", findings="属实")
    case.verify()
    response = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": {"objection_text": {"value": "医疗费已由保险报销", "type": "String"}}})
    assert response.status_code == 204, response.json
    case.complete("village_cg", "democratic_appraisal", participants="赵六,钱七,孙八",
                  appraisal_result="support", appraisal_minutes="保险仅报销一半")
    assert case.activities() == ["reinvestigation"]  # matching is not run again: the visit answers the objection
    case.complete("investigator_cg", "reinvestigation", visitors="李四,王五", findings="保险报销一半，仍有困难")
    assert case.activities() == ["publicity_gateway"]


def tekun_approval_with_appraisal(login_as, clock):
    case = TekunCase(login_as)
    assert case.task("window_cg", "accept")["candidateGroups"] == ["window"]
    case.accept()
    assert case.variables()["work_capacity"] == "none"  # recorded; the reviewers decide eligibility
    # accepted Mon 9/28: 9/29, 9/30, after 国庆 10/8, 10/9, the 调休 Saturday 10/10, then 10/12-10/16: the
    # county's tekun_investigation_days (10) inside the 15 wd of 初审
    assert case.task("investigator_cg", "investigation")["due"] == "2026-10-16T23:59:59.000+0800"
    case.investigate()
    review = case.task("reviewer_cg", "township_review")
    assert review["candidateGroups"] == ["township_reviewer"]
    assert review["due"] == "2026-10-23T23:59:59.000+0800"  # 初审 within 15 working days of 受理
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=True)
    assert case.task("village_cg", "democratic_appraisal")["candidateGroups"] == ["village"]
    case.complete("village_cg", "democratic_appraisal", participants="赵六,钱七,孙八", appraisal_result="support",
                  appraisal_minutes="一致认为符合特困条件")
    assert case.activities() == ["publicity_gateway"]
    assert case.job("publicity")["dueDate"] == "2026-10-05T23:59:59.000+0800"  # seven calendar days
    clock.advance(days=8)
    case.fire("publicity")
    county = case.task("county_reviewer", "county_confirmation")
    assert county["candidateGroups"] == ["county_reviewer"]
    # files received Tue 10/6 (holiday): 10/8, 10/9, 10/10 (调休), 10/12-16, 10/19-23, 10/26, 10/27
    assert county["due"] == "2026-10-27T23:59:59.000+0800"
    clock.set(clock.moment.replace(day=27))
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="全自理",
                  spot_checked=True, spot_check_visitors="周九,吴十", spot_check_findings="入户核实属实")
    variables = case.variables()
    assert variables["support_from"] == "2026-11"
    assert variables["spot_checked"] is True  # the county's ≥ 30 % spot-check rate is counted from this
    assert case.task("finance", "support_start")["candidateGroups"] == ["finance"]
    case.complete("finance", "support_start", first_support_month="2026-11")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]  # 动态管理: yearly re-check (test_dynamic_tekun.py)
    assert case.job("recheck_timer")["dueDate"] == "2027-10-27T23:59:59.000+0800"


def tekun_straight_to_publicity(login_as, clock):
    case = TekunCase(login_as)
    case.accept(age=12, work_capacity="limited", disability_grade="")
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve")  # the box left unticked
    assert case.activities() == ["publicity_gateway"]
    case.fire("publicity")
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="centralized",
                  self_care_class="全自理")
    assert case.variables()["spot_checked"] is False
    assert "democratic_appraisal" not in case.visited()


def tekun_objection(login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    first = case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    clock.set(clock.moment.replace(month=10, day=2))  # Fri 10/2, during the 公示 (which ends 10/5)
    case.object_to_publicity()
    assert case.waiting_jobs() == []
    reinvestigation = case.task("investigator_cg", "reinvestigation")
    assert reinvestigation["candidateGroups"] == ["investigator"]
    # the re-investigation has tekun_investigation_days (10) of the new 15 working days from the objection:
    # 10/8, 10/9, 10/10 (调休), 10/12-16, 10/19, 10/20; the new 初审 has all 15: … 10/21-23, 10/26, 10/27
    assert reinvestigation["due"] == "2026-10-20T23:59:59.000+0800"
    clock.set(clock.moment.replace(day=12))
    case.investigate("reinvestigation")
    review = case.task("reviewer_cg", "township_review")
    assert review["id"] != first["id"] and review["due"] == "2026-10-27T23:59:59.000+0800"
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    assert case.job("publicity")["dueDate"] == "2026-10-19T23:59:59.000+0800"  # a second 7-day 公示
    clock.set(clock.moment.replace(day=20))  # Tue 10/20
    case.fire("publicity")
    county = case.task("county_reviewer", "county_confirmation")
    assert county["due"] == "2026-11-10T23:59:59.000+0800"  # 10/21-23, 10/26-30, 11/2-6, 11/9, 11/10
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="centralized",
                  self_care_class="全自理",
                  spot_checked=True, spot_check_visitors="周九,吴十", spot_check_findings="子女无赡养能力")
    case.complete("finance", "support_start", first_support_month="2026-11")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]
    assert case.variables()["objection_raised"] is True
    visited = case.visited()
    assert visited.count("township_review") == 2 and visited.count("publicity") == 1
    assert visited.count("publicity_gateway") == 2 and visited.count("publicity_objection") == 1


def tekun_township_rejection(login_as, clock):
    case = TekunCase(login_as)
    case.accept(work_capacity="able", income=2600.0, has_able_supporter=True)
    case.investigate()
    clock.advance(days=1)  # Tue 9/29
    response = case.submit("reviewer_cg", "township_review", opinion="reject")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("reviewer_cg", "township_review", opinion="reject", reason="有劳动能力且有稳定收入")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["candidateGroups"] == ["window"]
    assert notice["due"] == "2026-10-09T23:59:59.000+0800"  # 9/30, 10/8, 10/9
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.state() == "COMPLETED"
    assert not {"publicity_gateway", "county_confirmation"} & set(case.visited())


def tekun_county_rejection(login_as, clock):
    case = published(login_as, clock)
    response = case.submit("county_reviewer", "county_confirmation", decision="reject")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("county_reviewer", "county_confirmation", decision="reject", reason="抽查发现有法定赡养人")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["due"] == "2026-10-10T23:59:59.000+0800"  # decided Tue 10/6: 10/8, 10/9, 10/10 (调休)
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.state() == "COMPLETED"
    assert "support_start" not in case.visited()


def tekun_reassessment(login_as, clock):
    case = supported(login_as)
    clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))  # Tue 12-15
    report = {"messageName": "self_care_changed", "businessKey": case.business_key}
    assert login_as("village_cg").post("/message", report).status_code == 204
    assert case.activities() == ["recheck_investigation"]
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []  # the yearly timer is off
    assert case.task("investigator_cg", "recheck_investigation")["due"] == "2026-12-29T23:59:59.000+0800"
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", recheck_findings="中风后卧床")
    case.complete("county_reviewer", "recheck_decision", recheck_result="change", support_type="centralized",
                  self_care_class="半护理",
                  reason="生活不能自理，转为集中供养")
    case.complete("window_cg", "recheck_notice", notice_text="转为集中供养", notice_delivered=True)
    variables = case.variables()
    assert variables["recheck_reason"] == "self_care_changed" and variables["support_type"] == "centralized"
    assert case.activities() == ["recheck_wait"]
    assert case.job("recheck_timer")["dueDate"] == "2027-12-15T23:59:59.000+0800"  # a year after the re-assessment


def dibao_yearly_recheck(login_as, clock):
    case = approved(login_as)
    assert case.job("recheck_timer")["dueDate"] == "2027-09-28T23:59:59.000+0800"  # 12 months after approval
    clock.set(datetime(2027, 9, 29, 2, 0, tzinfo=UTC))
    case.fire("recheck_timer")
    investigation = case.task("investigator_cg", "recheck_investigation")
    assert investigation["candidateGroups"] == ["investigator"]
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", per_capita_income=380.0,
                  recheck_findings="无变化")
    assert case.task("county_reviewer", "recheck_decision")["candidateGroups"] == ["county_reviewer"]
    case.complete("county_reviewer", "recheck_decision", recheck_result="keep")
    assert case.activities() == ["recheck_wait"]  # the loop waits for the next year
    assert case.job("recheck_timer")["dueDate"] == "2028-09-29T23:59:59.000+0800"
    variables = case.variables()
    assert variables["recheck_count"] == 1 and variables["amount"] == 1140.0


def dibao_recheck_after_a_death(login_as, clock):
    case = approved(login_as)
    clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    report = {"messageName": "household_member_died", "businessKey": case.business_key}
    assert login_as("hotline").post("/message", report).status_code == 403
    assert login_as("village_cg").post("/message", report).status_code == 204
    assert case.activities() == ["recheck_investigation"]
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []  # the yearly timer is off
    investigation = case.task("investigator_cg", "recheck_investigation")
    assert investigation["due"] == "2027-03-15T23:59:59.000+0800"  # three months after the report
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", per_capita_income=520.0,
                  recheck_findings="户主于12月病故，家庭人口减为2人")
    assert case.task("county_reviewer", "recheck_decision")["due"] == "2027-03-15T23:59:59.000+0800"
    case.complete("county_reviewer", "recheck_decision", recheck_result="keep")
    variables = case.variables()
    assert variables["recheck_reason"] == "death" and variables["recheck_count"] == 1
    assert case.activities() == ["recheck_wait"]  # back to the yearly cycle, counted from this re-check
    assert case.job("recheck_timer")["dueDate"] == "2027-12-15T23:59:59.000+0800"
    response = login_as("village_cg").post("/message", {**report, "businessKey": "DB-none"})
    assert response.status_code == 400 and response.json["field"] == "messageName"


def dibao_gradual_exit(login_as, clock):
    case = approved(login_as)
    decision = {"recheck_result": "gradual_exit", "reason": "户主已就业，收入超过标准"}
    response = recheck(case, clock, **decision)
    assert response.status_code == 400 and response.json["field"] == "gradual_exit_months"
    for months, problem in ((7, "不得大于 6"), (2.5, "须为整数")):
        response = case.submit("county_reviewer", "recheck_decision", **decision, gradual_exit_months=months)
        assert response.status_code == 400 and problem in response.json["message"], response.json
    case.complete("county_reviewer", "recheck_decision", **decision, gradual_exit_months=6)
    case.complete("window_cg", "recheck_notice", notice_delivered=True)
    assert case.activities() == ["gradual_exit_timer"]
    # decided on 2027-09-28 (the re-check's day): paid six months more, then stopped
    assert case.job("gradual_exit_timer")["dueDate"] == "2028-03-28T23:59:59.000+0800"
    case.fire("gradual_exit_timer")
    assert case.history()["state"] == "COMPLETED"
    ended = [a["activityId"] for a in login_as("auditor").get("/history/activity-instance",
                                                              processInstanceId=case.id).json]
    assert "gradual_exit_end" in ended and "benefit_stopped" not in ended


def dibao_started_by_a_message(login_as, clock):
    body = {"messageName": "proactive_discovery", "businessKey": f"ZD-{random.randrange(10**9)}",
            "resultEnabled": True, "processVariables": {
                "village": {"value": "dongguan", "type": "String"},
                "report_channel": {"value": "12345", "type": "String"},
                "reporter_name": {"value": "网格员刘某", "type": "String"},
                "report_text": {"value": "独居老人，无收入来源", "type": "String"}}}
    assert login_as("investigator_cg").post("/message", body).status_code == 403
    missing = {**body, "processVariables": {"report_channel": {"value": "12345", "type": "String"}}}
    response = login_as("hotline").post("/message", missing)
    assert response.status_code == 400 and response.json["field"] == "processVariables.township"
    response = login_as("hotline").post("/message", body)
    assert response.status_code == 200, response.json
    assert response.json[0]["resultType"] == "ProcessDefinition"
    case_id = response.json[0]["processInstance"]["id"]
    assert response.json[0]["processInstance"]["businessKey"] == body["businessKey"]
    inbox = login_as("window_cg").get("/task", processInstanceId=case_id).json
    assert [t["taskDefinitionKey"] for t in inbox] == ["accept"]
    assert login_as("window_hd").get("/task", processInstanceId=case_id).json == []  # another township
    history = login_as("auditor").get("/history/activity-instance", processInstanceId=case_id).json
    started = {a["activityId"]: a for a in history}
    # as in Camunda, only the start event that fired is history: the window's start event never began
    assert started["proactive_discovery"]["endTime"] is not None and "start" not in started
    case = Case.__new__(Case)
    case.login_as, case.id, case.business_key = login_as, case_id, body["businessKey"]
    assert case.variables()["report_channel"] == "12345"
    case.accept()
    assert sorted(case.activities()) == ["home_visit", "verify"]
    auditor = login_as("auditor")  # the recorded message start replays to the stored state
    verdict = auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True and verdict["events"] == 2, verdict


def dibao_fraud_at_township_review(login_as, clock):
    id_number = id_number_born()
    case = Case(login_as)
    case.accept(id_number=id_number)
    investigate(case)
    response = case.submit("reviewer_cg", "township_review", opinion="fraud")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("reviewer_cg", "township_review", opinion="fraud", reason="隐瞒营运车辆两辆，虚报家庭收入")
    recovery = case.task("finance", "recovery")
    assert recovery["candidateGroups"] == ["finance"]
    found = [f for f in findings(login_as, "supervisor", id_number).json if f["caseId"] == case.id]
    assert [(f["stage"], f["reason"], f["foundBy"], f["kind"]) for f in found] == [
        ("township_review", "隐瞒营运车辆两辆，虚报家庭收入", "reviewer_cg", "fraud")]
    assert found[0]["businessKey"] == case.business_key
    assert findings(login_as, "window_cg", id_number).status_code == 403
    assert findings(login_as, "auditor", "123").json["field"] == "id_number"
    case.complete("finance", "recovery", recovery_amount=0.0, recovery_note="尚未发放，纳入失信记录")
    case.hand_over("recovery_notice")
    assert case.history()["state"] == "COMPLETED"


def referral_call_activity(login_as, clock):
    case = ReferringCase(login_as)
    case.accept(needs=["医疗"], note="住院自付费用较高，请核定医疗救助")
    case.pay()
    assert case.history()["state"] == "ACTIVE"  # the referral is still out
    [task] = referral_tasks(login_as, "dept_medical_user", case)
    assert task["candidateGroups"] == ["dept_medical"] and task["due"] == ACCEPT_DUE
    assert not {"need", "dept", "referred_at"} & set(case.variables())  # the referral keeps its data to itself
    shown = login_as("dept_medical_user").get(f"/task/{task['id']}/form-variables").json
    assert shown["need"]["value"] == "医疗" and shown["note"]["value"] == "住院自付费用较高，请核定医疗救助"
    case.complete("dept_medical_user", "referral_accept", referral_decision="accept")
    [feedback] = referral_tasks(login_as, "dept_medical_user", case, "referral_feedback")
    assert feedback["due"] == FEEDBACK_DUE
    case.complete("dept_medical_user", "referral_feedback", outcome="已救助",
                  amount_or_service="医疗救助 3200 元", feedback_date="2026-10-09")
    assert case.history()["state"] == "COMPLETED"
    [returned] = returned_referrals(case)
    assert {k: returned[k] for k in ("need", "dept", "accepted", "outcome", "amount_or_service", "date")} == {
        "need": "医疗", "dept": "dept_medical", "accepted": True, "outcome": "已救助",
        "amount_or_service": "医疗救助 3200 元", "date": "2026-10-09"}


def referral_withdrawn_by_cancellation(login_as, clock):
    case = ReferringCase(login_as)
    case.accept(needs=["受灾", "就业"])
    assert len(referral_tasks(login_as, "dept_emergency_user", case)) == 1
    referrals = case.instance_ids()[1:]  # each referral is a process instance of its own
    assert len(referrals) == 2
    assert login_as("supervisor").delete(f"/process-instance/{case.id}").status_code == 204
    assert referral_tasks(login_as, "dept_emergency_user", case) == []
    assert referral_tasks(login_as, "dept_employment_user", case) == []
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []
    for instance_id in referrals:
        assert login_as("supervisor").get("/job", processInstanceId=instance_id).json == []
        assert login_as("auditor").get(f"/history/process-instance/{instance_id}").json["state"] == \
            "EXTERNALLY_TERMINATED"


SCENARIOS = {  # name -> (walk, its extra arguments after login_as and clock)
    "dibao approval": (dibao_approval, ()),
    "dibao township rejection": (dibao_township_rejection, ()),
    "dibao objection": (dibao_objection, ()),
    "dibao incomplete materials": (dibao_incomplete_materials, ()),
    "dibao failed match": (dibao_failed_match, ()),
    "dibao township decides": (dibao_township_decides, ()),
    "dibao objection beats late timer": (dibao_objection_beats_late_timer, ()),
    "linshi 急难": (linshi_emergency, ()),
    "linshi 急难 overdue escalation": (linshi_emergency_overdue, ()),
    "linshi 支出 township tier": (linshi_expense_tier, (9999.99, "township_approval", "reviewer_cg", "township")),
    "linshi 支出 deliberation tier": (linshi_expense_tier,
                                    (50000.01, "deliberation", "county_reviewer", "deliberation")),
    "linshi 支出 staged payment": (linshi_staged_payment, ()),
    "linshi rejection": (linshi_rejection, ()),
    "linshi objection": (linshi_objection, ()),
    "tekun approval with appraisal": (tekun_approval_with_appraisal, ()),
    "tekun straight to publicity": (tekun_straight_to_publicity, ()),
    "tekun objection": (tekun_objection, ()),
    "tekun township rejection": (tekun_township_rejection, ()),
    "tekun county rejection": (tekun_county_rejection, ()),
    "tekun re-assessment": (tekun_reassessment, ()),
    "dibao yearly re-check": (dibao_yearly_recheck, ()),
    "dibao re-check after a death": (dibao_recheck_after_a_death, ()),
    "dibao 渐退": (dibao_gradual_exit, ()),
    "dibao started by a message": (dibao_started_by_a_message, ()),
    "dibao fraud at township review": (dibao_fraud_at_township_review, ()),
    "referral call activity": (referral_call_activity, ()),
    "referral withdrawn by cancellation": (referral_withdrawn_by_cancellation, ()),
}
