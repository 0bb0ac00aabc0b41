"""Cases approved before the payment facts existed get them from their stored data (migration 0015's backfill)."""

from sqlalchemy import delete, select

from app.services.payroll.facts import backfill_benefits
from app.store.tables import Benefit, BenefitChange
from tests.support.payroll_steps import Household, new_county


def test_an_approved_case_gets_its_payment_facts_from_its_stored_data(runtime, login_as, clock):
    county = new_county(runtime)
    household = Household(login_as, county, applicant_name="赵四").approve(amount=450.0)
    with runtime.unit_of_work() as uow:  # as before payroll existed
        uow.session.execute(delete(BenefitChange).where(BenefitChange.process_instance_id == household.id))
        uow.session.execute(delete(Benefit).where(Benefit.process_instance_id == household.id))
        uow.commit()
    with runtime.session_factory.kw["bind"].begin() as connection:
        assert backfill_benefits(connection) >= 1
    with runtime.reading() as uow:
        benefit = uow.session.get(Benefit, household.id)
        changes = uow.session.execute(select(BenefitChange.effective_month, BenefitChange.amount_fen,
                                             BenefitChange.reason)
                                      .where(BenefitChange.process_instance_id == household.id)).all()
    assert (benefit.applicant_name, benefit.payment_from, benefit.account_problem) == ("赵四", "2026-10", None)
    assert benefit.bank_account == household.variables()["bank_account"]
    assert changes == [("2026-10", 45000, "approval")]
    with runtime.session_factory.kw["bind"].begin() as connection:
        assert backfill_benefits(connection) == 0  # the facts are there: nothing is added twice
