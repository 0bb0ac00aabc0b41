"""Amounts the service computes and the limits it holds the deciders to, over HTTP."""

from contextlib import contextmanager

import pytest

from tests.support.case_steps import LinshiCase, TekunCase
from tests.support.dibao_steps import Case

SETTINGS = "/api/counties/sfx/settings/"


@contextmanager
def county_setting(login_as, key: str, value):
    """Set a county setting for the cases started inside the block, then put the default back."""
    designer = login_as("designer")
    default = designer.client.get("/api/counties/sfx/settings", headers=designer.headers).json[key]["default"]
    response = designer.client.put(SETTINGS + key, json={"value": value}, headers=designer.headers)
    assert response.status_code == 204, response.json
    try:
        yield
    finally:
        designer.client.put(SETTINGS + key, json={"value": default}, headers=designer.headers)


def dibao_at_review(login_as, **accept) -> Case:
    case = Case(login_as)
    case.accept(**accept)
    case.investigate()
    return case


def form_values(case: Case, user: str, activity: str) -> dict:
    task = case.task(user, activity)
    return {k: v["value"] for k, v in case.login_as(user).get(f"/task/{task['id']}/form-variables").json.items()}


def test_the_township_review_is_prefilled_with_the_computed_top_up(login_as, clock):
    case = dibao_at_review(login_as, household_size=3, per_capita_income=420.0)
    shown = form_values(case, "reviewer_cg", "township_review")
    # (800 − 420) × 3
    assert (shown["computed_amount"], shown["proposed_amount"], shown["amount_ceiling"]) == (1140.0, 1140.0, 2400.0)


def test_a_proposal_above_standard_times_household_is_refused(login_as, clock):
    case = dibao_at_review(login_as, household_size=1, per_capita_income=790.0)  # ¥10 below the standard
    response = case.submit("reviewer_cg", "township_review", opinion="approve", proposed_amount=99999.0,
                           proposed_amount_reason="生活困难")
    assert response.status_code == 400 and response.json["field"] == "proposed_amount", response.json
    response = case.submit("reviewer_cg", "township_review", opinion="approve", proposed_amount=500.0)
    assert response.status_code == 400 and response.json["field"] == "proposed_amount_reason", response.json
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=10.0)  # the computed one
    assert case.variables("county_reviewer")["proposed_amount"] == 10.0


def test_another_amount_with_a_written_reason_stands_up_to_the_ceiling(login_as, clock):
    case = dibao_at_review(login_as, household_size=1, per_capita_income=790.0)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=800.0,
                  proposed_amount_reason="收入为一次性劳务所得，已不可持续")
    case.fire("publicity")
    county = form_values(case, "county_reviewer", "county_review")
    assert county["amount"] == 800.0  # the township's proposal, pre-filled
    response = case.submit("county_reviewer", "county_review", decision="approve", amount=800.01,
                           amount_reason="同上")
    assert response.status_code == 400 and response.json["field"] == "amount"
    response = case.submit("county_reviewer", "county_review", decision="approve", amount=800.0)
    assert response.status_code == 400 and response.json["field"] == "amount_reason"
    case.complete("county_reviewer", "county_review", decision="approve", amount=800.0,
                  amount_reason="核实为一次性收入")
    assert case.variables("county_reviewer")["amount"] == 800.0


@pytest.mark.parametrize(("rounding", "expected"), [("yuan", 1176.0), ("jiao", 1176.1), ("fen", 1176.06)])
def test_the_top_up_is_rounded_as_the_county_sets_it(login_as, clock, rounding, expected):
    with county_setting(login_as, "dibao_rounding", rounding):
        case = Case(login_as)
    case.accept(household_size=3, per_capita_income=407.98)  # (800 − 407.98) × 3 = 1176.06
    case.investigate()
    shown = form_values(case, "reviewer_cg", "township_review")
    assert shown["computed_amount"] == expected


def test_a_rounding_the_service_does_not_know_is_refused(login_as):
    designer = login_as("designer")
    response = designer.client.put(SETTINGS + "dibao_rounding", json={"value": "hao"}, headers=designer.headers)
    assert response.status_code == 400 and response.json["field"] == "value"


def test_tekun_support_is_the_basic_standard_plus_the_care_standard_of_the_self_care_class(login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")
    response = case.submit("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                           self_care_class="不详")
    assert response.status_code == 400 and response.json["field"] == "self_care_class"
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="半护理")
    assert case.variables("county_reviewer")["support_amount"] == 1540.0  # 1040 基本生活 + 500 半护理, recorded at 认定


def test_tekun_standards_are_county_settings(login_as, clock):
    with county_setting(login_as, "tekun_care_standard_full", 1200):
        case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="centralized",
                  self_care_class="全护理")
    assert case.variables("county_reviewer")["support_amount"] == 2240.0


def _linshi_published(login_as, amount: float) -> LinshiCase:
    case = LinshiCase(login_as)
    case.accept(amount=amount)
    case.investigate_and_publish()
    return case


def test_approving_above_the_township_tier_sends_the_case_to_the_county(login_as, clock):
    case = _linshi_published(login_as, 9000.0)
    case.complete("reviewer_cg", "township_approval", decision="approve", approved_amount=80000.0)
    assert case.activities() == ["deliberation"]  # ¥80,000 is beyond the county's ¥50,000 too: 一事一议
    assert form_values(case, "county_reviewer", "deliberation")["approved_amount"] == 80000.0
    case.complete("county_reviewer", "deliberation", decision="approve", approved_amount=20000.0)
    assert case.activities() == ["approval_notice"]  # the higher tier may approve less; then the notice, then pay
    variables = case.variables("county_reviewer")
    assert (variables["approved_amount"], variables["tier"]) == (20000.0, "deliberation")


def test_approving_within_the_tier_pays_without_going_further(login_as, clock):
    case = _linshi_published(login_as, 12000.0)
    case.complete("county_reviewer", "county_approval", decision="approve", approved_amount=10000.0)
    assert case.activities() == ["approval_notice"]
    assert case.variables("county_reviewer")["tier"] == "county"


def test_staged_payments_add_up_to_exactly_the_approved_amount(login_as, clock):
    case = _linshi_published(login_as, 9000.0)
    case.complete("reviewer_cg", "township_approval", decision="approve", approved_amount=9000.0, installments=3)
    case.hand_over("approval_notice")
    response = case.submit("finance", "staged_payment", paid=True, installment_amount=9000.01)
    assert response.status_code == 400 and response.json["field"] == "installment_amount"
    case.complete("finance", "staged_payment", paid=True, installment_amount=3000.0)
    case.complete("finance", "staged_payment", paid=True, installment_amount=3000.0)
    response = case.submit("finance", "staged_payment", paid=True, installment_amount=2999.99)
    assert response.status_code == 400 and response.json["field"] == "installment_amount"  # the last pays the rest
    case.complete("finance", "staged_payment", paid=True, installment_amount=3000.0)
    assert case.state() == "COMPLETED"
    assert case.variables("county_reviewer")["paid_amounts"] == "[3000.0, 3000.0, 3000.0]"


def test_an_emergency_payment_is_at_most_the_township_limit_and_its_account_states_it(login_as, clock):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=3000.0)
    response = case.submit("reviewer_cg", "emergency_payment", paid_amount=50000.0, paid_at="2026-09-28")
    assert response.status_code == 400 and response.json["field"] == "paid_amount"
    case.complete("reviewer_cg", "emergency_payment", paid_amount=10000.0, paid_at="2026-09-28")  # the limit itself
    response = case.submit("window_cg", "post_documentation", who="李梅", why="火灾", how_much=3000.0,
                           signatures_complete=True)
    assert response.status_code == 400 and response.json["field"] == "how_much"
    case.complete("window_cg", "post_documentation", who="李梅", why="火灾", how_much=10000.0,
                  signatures_complete=True)
    assert case.state() == "COMPLETED"
