"""The 临时救助 process end to end: 急难 pays first, 支出 goes through 公示 and an approval tier by amount."""


import pytest

from tests.conftest import typed
from tests.e2e.case_steps import LinshiCase

LIMIT_URL = "/api/counties/sfx/settings/township_approval_limit"


def _set_limit(login_as, value):
    designer = login_as("designer")
    return designer.client.put(LIMIT_URL, json={"value": value}, headers=designer.headers)


def test_emergency_pays_first_and_documents_afterwards_within_five_working_days(login_as, clock):
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


def test_overdue_documentation_escalates_to_the_supervisor_without_closing_it(login_as, clock):
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


def test_documentation_needs_complete_signatures(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=500.0)
    case.complete("reviewer_cg", "emergency_payment", paid_amount=500.0, paid_at="2026-09-28")
    task = case.task("window_cg", "post_documentation")
    response = login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": typed(
        who="李梅", why="火灾", how_much=500.0, signatures_complete=False)})
    assert response.status_code == 400 and response.json["field"] == "signatures_complete"


@pytest.mark.parametrize(("amount", "activity", "user", "tier"), [
    (9999.99, "township_approval", "reviewer_cg", "township"),
    (10000, "township_approval", "reviewer_cg", "township"),  # "1万元以下" includes ¥10,000 (民法典 art. 1259)
    (10000.01, "county_approval", "county_reviewer", "county"),
    (50000, "county_approval", "county_reviewer", "county"),
    (50000.01, "deliberation", "county_reviewer", "deliberation"),
])
def test_expense_amount_decides_the_approval_tier(login_as, clock, amount, activity, user, tier):
    case = LinshiCase(login_as)
    case.accept(amount=amount)
    assert case.task("investigator_cg", "investigation")["due"] == "2026-10-08T23:59:59.000+0800"
    case.investigate_and_publish()
    assert case.activities() == [activity]
    assert case.variables()["tier"] == tier
    assert case.task(user, activity)


def test_approval_in_two_stages_pays_two_installments(login_as, clock):
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


def test_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
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


def test_objection_during_publicity_leads_to_appraisal_and_new_investigation(login_as, clock):
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


def test_township_limit_setting_changes_routing_for_new_cases_only(login_as, clock):
    assert _set_limit(login_as, True).status_code == 400  # a number, not a boolean
    assert login_as("window_cg").client.put(LIMIT_URL, json={"value": 20000},
                                            headers=login_as("window_cg").headers).status_code == 403
    running = LinshiCase(login_as)  # started under the seed limit of ¥10,000
    assert _set_limit(login_as, 20000).status_code == 204
    try:
        raised = LinshiCase(login_as)
        settings = login_as("designer").client.get("/api/counties/sfx/settings",
                                                   headers=login_as("designer").headers).json
        assert settings["township_approval_limit"]["value"] == 20000
    finally:
        assert _set_limit(login_as, 10000).status_code == 204
    for case in (running, raised):
        case.accept(amount=15000)
        case.investigate_and_publish()
    assert running.activities() == ["county_approval"]
    assert raised.activities() == ["township_approval"]
    assert raised.variables()["township_approval_limit"] == 20000
