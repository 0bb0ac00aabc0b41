"""特困 动态管理 over HTTP: a yearly re-check started by its timer (or a re-assessment within 10 working days
of a reported change in self-care ability) keeps, changes or — after a 7-day
公示 — terminates support; a 虚报冒领 finding at the re-check stops support and opens a recovery."""

from datetime import UTC, datetime

from tests.support import scenarios
from tests.support.case_steps import TekunCase
from tests.support.dynamic_steps import findings, id_number_born, supported
from tests.support.web_client import Web


def recheck(case: TekunCase, clock, **decision):
    assert case.job("recheck_timer")["dueDate"] == "2027-09-28T23:59:59.000+0800"  # 12 months after 认定
    clock.set(datetime(2027, 9, 28, 2, 0, tzinfo=UTC))
    case.fire("recheck_timer")
    assert case.task("investigator_cg", "recheck_investigation")["candidateGroups"] == ["investigator"]
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", recheck_findings="生活不能自理")
    return case.submit("county_reviewer", "recheck_decision", **decision)


def test_yearly_recheck_keeps_support_and_waits_for_the_next_year(login_as, clock):
    case = supported(login_as)
    assert recheck(case, clock, recheck_result="keep").status_code == 204
    assert case.activities() == ["recheck_wait"]
    assert case.job("recheck_timer")["dueDate"] == "2028-09-28T23:59:59.000+0800"
    assert case.variables()["recheck_count"] == 1


def test_a_change_of_support_type_needs_a_reason_and_a_written_notice(login_as, clock):
    case = supported(login_as)
    response = recheck(case, clock, recheck_result="change", support_type="centralized",
                       self_care_class="半护理")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("county_reviewer", "recheck_decision", recheck_result="change", support_type="centralized",
                  self_care_class="半护理",
                  reason="生活自理能力下降，转为集中供养")
    case.complete("window_cg", "recheck_notice", notice_text="转为集中供养", notice_delivered=True)
    assert case.variables()["support_type"] == "centralized"
    assert case.activities() == ["recheck_wait"]


def test_termination_is_published_for_7_days_then_noticed_in_writing(login_as, clock):
    case = supported(login_as)
    response = recheck(case, clock, recheck_result="stop", reason="子女返乡，具备赡养能力")
    assert response.status_code == 204, response.json
    assert case.activities() == ["termination_publicity_gateway"]
    assert case.job("termination_publicity")["dueDate"] == "2027-10-05T23:59:59.000+0800"  # seven calendar days
    clock.set(datetime(2027, 10, 6, 2, 0, tzinfo=UTC))
    case.fire("termination_publicity")
    notice = case.task("window_cg", "termination_notice")
    assert notice["candidateGroups"] == ["window"]
    case.complete("window_cg", "termination_notice", notice_delivered=True)
    assert case.state() == "COMPLETED"
    assert "support_terminated" in case.visited()


def test_an_objection_to_the_termination_notice_sends_the_case_back_to_investigation(login_as, clock):
    case = supported(login_as)
    recheck(case, clock, recheck_result="stop", reason="子女返乡，具备赡养能力")
    case.object_to_publicity("子女无固定收入，无赡养能力")
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", recheck_findings="子女无收入")
    case.complete("county_reviewer", "recheck_decision", recheck_result="keep")
    assert case.activities() == ["recheck_wait"]
    assert case.variables()["objection_text"] == "子女无固定收入，无赡养能力"


def test_fraud_found_at_the_recheck_stops_support_and_opens_recovery(login_as, clock):
    id_number = id_number_born("19450303")
    case = supported(login_as, id_number=id_number)
    response = recheck(case, clock, recheck_result="fraud", reason="隐瞒子女赡养能力与房产")
    assert response.status_code == 204, response.json
    assert case.activities() == ["recovery"]
    found = [f for f in findings(login_as, "supervisor", id_number).json if f["caseId"] == case.id]
    assert [(f["stage"], f["foundBy"], f["processDefinitionKey"]) for f in found] == [
        ("recheck_decision", "county_reviewer", "tekun")]
    case.complete("finance", "recovery", recovery_amount=12000.0, recovery_note="责令退回供养金")
    case.hand_over("recovery_notice")
    assert case.state() == "COMPLETED"


def test_fraud_found_at_township_review_or_county_confirmation_is_recorded_on_the_household(login_as, clock):
    township_id, county_id = id_number_born("19460404"), id_number_born("19470505")
    at_township = TekunCase(login_as)
    at_township.accept(id_number=township_id)
    at_township.investigate()
    response = at_township.submit("reviewer_cg", "township_review", opinion="fraud")
    assert response.status_code == 400 and response.json["field"] == "reason"
    at_township.complete("reviewer_cg", "township_review", opinion="fraud", reason="隐瞒退休金收入")
    at_county = TekunCase(login_as)
    at_county.accept(id_number=county_id)
    at_county.investigate()
    at_county.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    at_county.fire("publicity")
    at_county.complete("county_reviewer", "county_confirmation", decision="fraud", reason="抽查发现有房产出租")
    for case, id_number, stage, who in ((at_township, township_id, "township_review", "reviewer_cg"),
                                        (at_county, county_id, "county_confirmation", "county_reviewer")):
        assert case.activities() == ["recovery"]
        found = [f for f in findings(login_as, "auditor", id_number).json if f["caseId"] == case.id]
        assert [(f["stage"], f["foundBy"]) for f in found] == [(stage, who)]


def test_a_change_in_self_care_ability_is_reassessed_within_10_working_days(login_as, clock):
    scenarios.tekun_reassessment(login_as, clock)


def test_the_case_page_names_the_reported_change(app, login_as, clock):
    case = supported(login_as)
    login_as("village_cg").post("/message", {"messageName": "self_care_changed", "businessKey": case.business_key})
    assert "收到消息：生活自理能力变化" in Web(app, "supervisor").get(f"/cases/{case.id}").text
