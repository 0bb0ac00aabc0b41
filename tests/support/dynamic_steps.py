"""动态管理 steps: households approved or supported and waiting for their re-check, the re-check itself, findings."""

from datetime import UTC, datetime

from tests.support.case_steps import TekunCase
from tests.support.dibao_steps import Case, unique_id_number


def id_number_born(birth: str = "19800101") -> str:
    """A 身份证号码 of someone born on `birth` no other case uses: 1,000 serial numbers on one birthday collided
    within a module, and 一户一档 holds an intake naming someone with a running case."""
    return unique_id_number(born=birth)


def investigate(case: Case, assets_qualify=True, **visit):
    case.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="属实",
                  assets_qualify=assets_qualify, **visit)
    case.verify()


def approved(login_as, irregular: bool = False, **accept) -> Case:
    """A case approved on Mon 2026-09-28 and paid from 2026-10, now waiting for its first re-check."""
    case = Case(login_as)
    case.accept(**accept)
    investigate(case)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0, income_irregular=irregular)
    case.complete("finance", "payment", first_payment_month="2026-10")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]
    return case


def recheck(case: Case, clock, **decision):
    """Let the re-check timer's job fire, investigate, and decide."""
    clock.set(datetime.fromisoformat(case.job("recheck_timer")["dueDate"].replace("+0800", "+08:00"))
              .astimezone(UTC).replace(hour=2))
    case.fire("recheck_timer")
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", per_capita_income=380.0,
                  recheck_findings="家庭人口与收入无明显变化")
    return case.submit("county_reviewer", "recheck_decision", **decision)


def findings(login_as, user: str, id_number: str):
    api = login_as(user)
    return api.client.get(f"/api/households/{id_number}/findings", headers=api.headers)


def supported(login_as, **accept) -> TekunCase:
    """A case confirmed on Mon 2026-09-28, supported from 2026-10, waiting for its yearly re-check."""
    case = TekunCase(login_as)
    case.accept(**accept)
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="全自理")
    case.complete("finance", "support_start", first_support_month="2026-10")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]
    return case
