"""A frozen roll and the payment ledger never change; a row changed behind the service's back is named by
`flask audit-verify`."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.support.payroll_steps import Finance, Household, new_county


@pytest.fixture
def frozen(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    Household(login_as, county).approve(amount=450.0)
    Household(login_as, county, township=1).approve(amount=300.0)
    run, lines = finance.paid("2026-10")
    return county, run, lines


@pytest.mark.parametrize("statement", [
    "UPDATE payroll_line SET amount_fen = 1 WHERE run_id = :run",
    "DELETE FROM payroll_line WHERE run_id = :run",
    "UPDATE payroll_run SET total_fen = 1 WHERE id = :run",
    "DELETE FROM payroll_run WHERE id = :run",
    "UPDATE payment_ledger SET amount_fen = 1 WHERE run_id = :run",
    "DELETE FROM payment_ledger WHERE run_id = :run",
])
def test_a_frozen_roll_and_the_ledger_refuse_change(runtime, frozen, statement):
    _, run, _ = frozen
    with runtime.unit_of_work() as uow, pytest.raises(DBAPIError, match="frozen|append-only"):
        uow.session.execute(text(statement), {"run": run["id"]})


def _behind_the_service(runtime, statement: str, **params) -> None:
    """Change rows as an intruder would: PostgreSQL's superuser bypass, or SQLite's triggers dropped and restored."""
    with runtime.unit_of_work() as uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL session_replication_role = replica"))
            session.execute(text(statement), params)
        else:
            triggers = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                                            "tbl_name IN ('payroll_line', 'payment_ledger', 'payroll_run')")).all()
            for name, _ in triggers:
                session.execute(text(f"DROP TRIGGER {name}"))
            session.execute(text(statement), params)
            for _, sql in triggers:
                session.execute(text(sql))
        uow.commit()


def test_audit_verify_names_a_ledger_entry_changed_behind_the_service(runtime, runner, frozen):
    county, run, _ = frozen
    _behind_the_service(runtime, "UPDATE payment_ledger SET amount_fen = 99999 WHERE run_id = :run AND seq = "
                        "(SELECT max(seq) FROM payment_ledger WHERE run_id = :run)", run=run["id"])
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"FAILED payment ledger /{county.code}/ at entry 2: 台账条目内容与其哈希不符" in result.output


def test_audit_verify_names_a_frozen_line_changed_behind_the_service(runtime, runner, frozen):
    county, run, lines = frozen
    _behind_the_service(runtime, "UPDATE payroll_line SET amount_fen = 99999 WHERE run_id = :run AND seq = 1",
                        run=run["id"])
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"FAILED payment ledger /{county.code}/ at entry 1: 冻结名册的第" in result.output


def test_an_intact_ledger_verifies(runtime, frozen):
    from app.domain.actors import SYSTEM
    from app.services.payroll.ledger import verify_payment_ledgers

    county, _, _ = frozen
    verdicts = {v.county_path: v for v in verify_payment_ledgers(runtime, SYSTEM)}
    assert verdicts[f"/{county.code}/"].ok and verdicts[f"/{county.code}/"].entries == 2
