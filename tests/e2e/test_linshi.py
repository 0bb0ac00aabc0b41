"""The 临时救助 process end to end: 急难 pays first, 支出 goes through 公示 and an approval tier by amount."""


import pytest

from tests.conftest import typed
from tests.support import scenarios
from tests.support.case_steps import LinshiCase

LIMIT_URL = "/api/counties/sfx/settings/township_approval_limit"


def _set_limit(login_as, value):
    designer = login_as("designer")
    return designer.client.put(LIMIT_URL, json={"value": value}, headers=designer.headers)


def test_emergency_pays_first_and_documents_afterwards_within_five_working_days(login_as, clock):
    scenarios.linshi_emergency(login_as, clock)


def test_overdue_documentation_escalates_to_the_supervisor_without_closing_it(login_as, clock):
    scenarios.linshi_emergency_overdue(login_as, clock)


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
    scenarios.linshi_expense_tier(login_as, clock, amount, activity, user, tier)


def test_approval_in_two_stages_pays_two_installments(login_as, clock):
    scenarios.linshi_staged_payment(login_as, clock)


def test_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    scenarios.linshi_rejection(login_as, clock)


def test_objection_during_publicity_leads_to_appraisal_and_new_investigation(login_as, clock):
    scenarios.linshi_objection(login_as, clock)


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
