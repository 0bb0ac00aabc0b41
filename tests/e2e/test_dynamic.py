"""低保 动态管理 over HTTP: household classification (DMN + county standard), re-checks started by their
timers or by a reported death, 渐退, proactive discovery by message, and 虚报冒领 findings that stop payment
and open a recovery."""

from datetime import UTC, datetime

import pytest

from tests.support import scenarios
from tests.support.dibao_steps import Case
from tests.support.dynamic_steps import approved, findings, id_number_born, investigate, recheck

STANDARD_URL = "/api/counties/sfx/settings/dibao_standard"


@pytest.mark.parametrize(("income", "birth", "flags", "expected"), [
    (420.0, "19800101", {}, "低保"),
    (420.0, "19800101", {"assets_qualify": False}, "不符合"),  # income alone is not enough: assets must qualify
    (1000.0, "19800101", {}, "低保边缘"),
    (1000.0, "19800101", {"assets_qualify": False}, "不符合"),
    (1700.0, "19800101", {}, "不符合"),
    (0.0, "19480307", {}, "特困"),  # 78 years old, no income, no able supporter
    (500.0, "19480307", {}, "特困"),  # an income below the standard is 无生活来源 too, not only 0
    (500.0, "19480307", {"assets_qualify": False}, "不符合"),
    (0.0, "19480307", {"has_able_supporter": True}, "低保"),
    (0.0, "20100101", {}, "特困"),  # 16: covered to 18 since the 16→18 extension
    (0.0, "19800101", {"severe_disability": True, "member_income": 0.0}, "特困"),
    (0.0, "19800101", {}, "低保"),  # able to work: not 特困
    (900.0, "19800101", {"medical_expense": 450.0}, "低保（支出型）"),  # 900 − 450 / 3 = 750 < 800
    (900.0, "19800101", {"medical_expense": 240.0}, "低保边缘"),  # 900 − 80 = 820: still above
    (1000.0, "19800101", {"seriously_ill": True, "member_income": 100.0}, "低保（单人户）"),
    (1000.0, "19800101", {"severe_disability": True, "member_income": 0.0}, "低保（单人户）"),
])
def test_household_is_classified_by_the_decision_table_before_township_review(login_as, clock, income, birth,
                                                                               flags, expected):
    case = Case(login_as)
    case.accept(per_capita_income=income, id_number=id_number_born(birth))
    investigate(case, **flags)
    assert case.activities() == ["township_review"]
    variables = case.variables()
    assert variables["household_class"] == expected
    assert variables["tekun_suggested"] is (expected == "特困")
    assert "classify_household" in [a["activityId"] for a in login_as("auditor").get(
        "/history/activity-instance", processInstanceId=case.id).json]


def test_the_county_sets_the_marginal_multiplier_and_the_share_of_each_rigid_expense(login_as, clock):
    designer = login_as("designer")
    urls = {key: f"/api/counties/sfx/settings/{key}" for key in ("dibao_marginal_multiplier",
                                                                   "expense_deduction_medical")}
    for key, value in (("dibao_marginal_multiplier", 1.5), ("expense_deduction_medical", 0.5)):
        assert designer.client.put(urls[key], json={"value": value}, headers=designer.headers).status_code == 204
    try:
        above_margin, half_deducted = Case(login_as), Case(login_as)
    finally:
        for key, value in (("dibao_marginal_multiplier", 2), ("expense_deduction_medical", 1)):
            assert designer.client.put(urls[key], json={"value": value}, headers=designer.headers).status_code == 204
    above_margin.accept(per_capita_income=1300.0)  # < 2 × 800, but not < 1.5 × 800
    investigate(above_margin)
    half_deducted.accept(per_capita_income=900.0)  # 900 − 450 × 0.5 / 3 = 825: not below the standard
    investigate(half_deducted, medical_expense=450.0)
    assert above_margin.variables()["household_class"] == "不符合"
    assert half_deducted.variables()["household_class"] == "低保边缘"
    assert half_deducted.variables("county_reviewer")["assessed_income"] == 825.0


def test_expense_type_and_single_person_households_are_paid_on_the_income_and_size_they_are_covered_for(
        login_as, clock):
    expense = Case(login_as)
    expense.accept(per_capita_income=900.0, household_size=3)
    investigate(expense, medical_expense=450.0)
    assert expense.variables("county_reviewer")["computed_amount"] == 150.0  # (800 − 750) × 3
    single = Case(login_as)
    single.accept(per_capita_income=1000.0, household_size=3)
    response = single.submit("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29",
                             findings="长子患尿毒症", assets_qualify=True, seriously_ill=True)
    assert response.status_code == 400 and response.json["field"] == "member_income"
    investigate(single, seriously_ill=True, member_income=100.0)
    variables = single.variables("county_reviewer")
    assert variables["household_class"] == "低保（单人户）"
    assert (variables["computed_amount"], variables["amount_ceiling"]) == (700.0, 800.0)  # one person: 800 − 100


def test_a_single_person_household_is_rechecked_on_the_person_it_covers(login_as, clock):
    case = Case(login_as)
    case.accept(per_capita_income=1000.0, household_size=3)
    investigate(case, severe_disability=True, member_income=0.0)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=800.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=800.0)
    case.complete("finance", "payment", first_payment_month="2026-10")
    case.hand_over("approval_notice")
    clock.set(datetime(2027, 9, 29, 2, 0, tzinfo=UTC))
    case.fire("recheck_timer")
    visit = {"visitors": "李四,王五", "per_capita_income": 1100.0, "recheck_findings": "本人领取残疾人两项补贴"}
    response = case.submit("investigator_cg", "recheck_investigation", **visit)
    assert response.status_code == 400 and response.json["field"] == "member_income"
    case.complete("investigator_cg", "recheck_investigation", **visit, member_income=200.0)
    variables = case.variables("county_reviewer")
    assert (variables["computed_amount"], variables["amount_ceiling"]) == (600.0, 800.0)  # still one person


def test_changing_the_dibao_standard_routes_new_cases_while_running_cases_keep_theirs(login_as, clock):
    designer = login_as("designer")
    settings = designer.client.get("/api/counties/sfx/settings", headers=designer.headers).json
    assert settings["dibao_standard"]["value"] == 800
    assert designer.client.put(STANDARD_URL, json={"value": "九百"}, headers=designer.headers).status_code == 400
    window = login_as("window_cg")
    assert window.client.put(STANDARD_URL, json={"value": 1000}, headers=window.headers).status_code == 403
    running = Case(login_as)  # started under the standard of 800
    assert designer.client.put(STANDARD_URL, json={"value": 1000}, headers=designer.headers).status_code == 204
    try:
        new = Case(login_as)
    finally:
        assert designer.client.put(STANDARD_URL, json={"value": 800}, headers=designer.headers).status_code == 204
    for case in (running, new):
        case.accept(per_capita_income=900.0)
        investigate(case, assets_qualify=True)
    assert running.variables()["household_class"] == "低保边缘"
    assert running.variables()["dibao_standard"] == 800
    assert new.variables()["household_class"] == "低保"
    assert new.variables()["dibao_standard"] == 1000


def test_stable_household_is_rechecked_by_its_timer_every_12_months_and_kept(login_as, clock):
    scenarios.dibao_yearly_recheck(login_as, clock)


def test_irregular_income_means_a_6_month_recheck_and_a_change_needs_a_reason_and_a_notice(login_as, clock):
    case = approved(login_as, irregular=True)
    assert case.job("recheck_timer")["dueDate"] == "2027-03-28T23:59:59.000+0800"  # six months
    response = recheck(case, clock, recheck_result="change", amount=300.0)
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("county_reviewer", "recheck_decision", recheck_result="change", amount=300.0,
                  reason="家庭成员就业，收入增加", income_irregular=True)
    notice = case.task("window_cg", "recheck_notice")
    assert notice["candidateGroups"] == ["window"]
    case.complete("window_cg", "recheck_notice", notice_delivered=True)
    assert case.variables()["amount"] == 300.0
    assert case.activities() == ["recheck_wait"]
    assert case.job("recheck_timer")["dueDate"] == "2027-09-28T23:59:59.000+0800"  # six months after the re-check


def test_a_recheck_can_stop_the_benefit_after_a_written_notice(login_as, clock):
    case = approved(login_as)
    response = recheck(case, clock, recheck_result="stop")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("county_reviewer", "recheck_decision", recheck_result="stop", reason="家庭人均收入超过低保标准")
    case.complete("window_cg", "recheck_notice", notice_delivered=True)
    assert case.history()["state"] == "COMPLETED"
    ended = [a["activityId"] for a in login_as("auditor").get("/history/activity-instance",
                                                              processInstanceId=case.id).json]
    assert "benefit_stopped" in ended
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []


def test_a_death_in_the_household_starts_a_recheck_due_within_three_months(login_as, clock):
    scenarios.dibao_recheck_after_a_death(login_as, clock)


def test_gradual_exit_keeps_the_benefit_for_the_months_decided_then_stops(login_as, clock):
    scenarios.dibao_gradual_exit(login_as, clock)


def test_proactive_discovery_message_starts_a_case_in_the_township_window_inbox(login_as, clock):
    scenarios.dibao_started_by_a_message(login_as, clock)


def test_hotline_may_report_but_not_start_or_object(login_as, clock):
    hotline = login_as("hotline")
    assert hotline.post("/process-definition/key/dibao/start", {"businessKey": "X"}).status_code == 403
    response = hotline.post("/message", {"messageName": "publicity_objection", "businessKey": "DB-none"})
    assert response.status_code == 403


def test_fraud_found_at_township_review_records_a_finding_and_opens_recovery(login_as, clock):
    scenarios.dibao_fraud_at_township_review(login_as, clock)


def test_fraud_found_at_county_review_stops_before_any_payment(login_as, clock):
    id_number = id_number_born("19700505")
    case = Case(login_as)
    case.accept(id_number=id_number)
    investigate(case)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="fraud", reason="核对发现隐瞒存款")
    assert case.activities() == ["recovery"]
    found = [f for f in findings(login_as, "auditor", id_number).json if f["caseId"] == case.id]
    assert [(f["stage"], f["foundBy"]) for f in found] == [("county_review", "county_reviewer")]


def test_fraud_found_at_a_recheck_leaves_the_payment_loop(login_as, clock):
    id_number = id_number_born("19600606")
    case = approved(login_as, id_number=id_number)
    response = recheck(case, clock, recheck_result="fraud", reason="复核发现冒领已故成员份额")
    assert response.status_code == 204, response.json
    assert case.activities() == ["recovery"]
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []  # no next re-check
    assert case.variables()["payment_stopped"] is True
    found = [f for f in findings(login_as, "supervisor", id_number).json if f["caseId"] == case.id]
    assert [(f["stage"], f["reason"]) for f in found] == [("recheck_decision", "复核发现冒领已故成员份额")]
    case.complete("finance", "recovery", recovery_amount=5400.0, recovery_note="责令退回已领取的保障金")
    case.hand_over("recovery_notice")
    assert case.history()["state"] == "COMPLETED"
