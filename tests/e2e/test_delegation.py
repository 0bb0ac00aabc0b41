"""Delegation and supervision: where a county delegates a process's decision to the township, the county gets a
备案 record of each decision and spot-checks the share it sets (特困: never under 30 %), drawn from the case and
its event so a replay draws the same; a spot check can reopen the case."""

from contextlib import ExitStack, contextmanager

from tests.support.case_steps import LinshiCase, TekunCase
from tests.support.dibao_steps import Case

SETTINGS = "/api/counties/sfx/settings/"


@contextmanager
def county_settings(login_as, **values):
    """Set county settings for the cases started inside the block, then put the values before back."""
    designer = login_as("designer")
    listed = designer.client.get("/api/counties/sfx/settings", headers=designer.headers).json
    with ExitStack() as stack:
        for key, value in values.items():
            response = designer.client.put(SETTINGS + key, json={"value": value}, headers=designer.headers)
            assert response.status_code == 204, response.json
            stack.callback(designer.client.put, SETTINGS + key, json={"value": listed[key]["value"]},
                           headers=designer.headers)
        yield


def filing(case) -> dict | None:
    """The 备案 record of the township's decision, as the county reads it: when, what, how much or why."""
    found = case.variables("county_reviewer")
    if found["filed_with_county_at"] is None:
        return None
    return {"decided_at": found["filed_with_county_at"], "decision": found["decision"],
            "amount": found.get("support_amount", found.get("approved_amount", found.get("amount"))),
            "reason": found.get("reason")}


def township_approved_dibao(login_as) -> Case:
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    decision = case.task("reviewer_cg", "county_review")  # the township decides
    assert decision["candidateGroups"] == ["township_reviewer"]
    case.complete("reviewer_cg", "county_review", decision="approve", amount=1140.0)
    case.complete("finance", "payment", first_payment_month=case.variables()["payment_from"])
    case.hand_over("approval_notice")
    return case


def test_a_sampled_township_approval_is_filed_spot_checked_and_reopened_by_the_county(login_as, clock):
    with county_settings(login_as, township_decides=True, dibao_spot_check_share=1.0):
        case = township_approved_dibao(login_as)
    record = filing(case)
    assert (record["decision"], record["amount"], record["decided_at"][:10]) == ("approve", 1140.0, "2026-09-28")
    check = case.task("county_reviewer", "county_spot_check")
    assert check["candidateGroups"] == ["county_reviewer"]
    assert check["due"] == "2026-10-16T23:59:59.000+0800"  # spot_check_days (10 wd) after the decision on 9/28
    case.complete("county_reviewer", "county_spot_check", county_check_result="reopen",
                  county_check_visitors="周九,吴十", county_check_findings="家庭有未申报的经营收入")
    assert case.variables()["recheck_reason"] == "spot_check"
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", per_capita_income=900.0,
                  recheck_findings="经营收入属实")
    assert case.task("county_reviewer", "recheck_decision")["candidateGroups"] == ["county_reviewer"]


def test_an_unsampled_township_approval_is_filed_and_goes_straight_to_its_re_check_wait(login_as, clock):
    with county_settings(login_as, township_decides=True, dibao_spot_check_share=0.0):
        case = township_approved_dibao(login_as)
    assert filing(case)["decision"] == "approve"
    assert case.activities() == ["recheck_wait"]


def test_a_county_decision_is_neither_filed_nor_sampled(login_as, clock):
    with county_settings(login_as, dibao_spot_check_share=1.0):
        case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    case.complete("finance", "payment", first_payment_month=case.variables()["payment_from"])
    case.hand_over("approval_notice")
    assert filing(case) is None and case.activities() == ["recheck_wait"]


def test_tekun_delegated_refusal_is_spot_checked_and_a_reopened_case_goes_to_the_county(login_as, clock):
    with county_settings(login_as, tekun_township_decides=True, tekun_spot_check_share=1.0):
        case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")
    decision = case.task("reviewer_cg", "county_confirmation")
    assert decision["candidateGroups"] == ["township_reviewer"]
    case.complete("reviewer_cg", "county_confirmation", decision="reject", reason="子女有赡养能力")
    case.hand_over("refusal_notice")
    assert filing(case)["reason"] == "子女有赡养能力"
    case.complete("county_reviewer", "county_spot_check", county_check_result="reopen",
                  county_check_visitors="周九,吴十", county_check_findings="子女重病，无赡养能力")
    again = case.task("county_reviewer", "county_confirmation")
    assert again["candidateGroups"] == ["county_reviewer"] and again["id"] != decision["id"]


def test_linshi_sampled_township_approval_waits_for_the_county_before_any_payment(login_as, clock):
    with county_settings(login_as, linshi_spot_check_share=1.0):
        case = LinshiCase(login_as)
    case.accept(kind="支出", amount=3000.0)
    case.investigate_and_publish()
    case.complete("reviewer_cg", "township_approval", decision="approve", approved_amount=3000.0, installments=1)
    case.hand_over("approval_notice")
    assert case.activities() == ["county_spot_check"]  # nothing is paid before the county has looked
    assert filing(case)["decision"] == "approve"
    case.complete("county_reviewer", "county_spot_check", county_check_result="reopen",
                  county_check_visitors="周九,吴十", county_check_findings="医疗费用已由大病保险报销")
    county = case.task("county_reviewer", "county_approval")
    assert county["candidateGroups"] == ["county_reviewer"]
    assert case.variables()["amount_to_approve"] == 3000.0


def test_a_tekun_spot_check_share_under_thirty_percent_is_refused(login_as):
    designer = login_as("designer")
    response = designer.client.put(SETTINGS + "tekun_spot_check_share", json={"value": 0.29},
                                   headers=designer.headers)
    assert response.status_code == 400 and response.json["field"] == "value", response.json
