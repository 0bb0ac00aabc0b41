"""What the payroll's own processes do to the payment tables, in the command that reached the step.

- `payroll` reaching 冻结名册 (`record_freeze`, after the 双人复核): the roll is frozen and each line sent
  to the bank becomes an `ordered` ledger entry; the case's log records the ledger's new head.
- `bank_account_fix` completing 更正发放账户: the household's account is replaced (checked first), so the
  next correction run pays what the bank refused.
"""

from datetime import datetime

from sqlalchemy import select, update

from app.domain.actors import Actor
from app.domain.errors import Conflict, ValidationFailed
from app.domain.payroll import account_problem
from app.engine.changes import Changes
from app.store.tables import Benefit, PayrollRun, ProcessInstance
from app.store.writes import Writes

from ..projection import record_event
from ..registry import LEDGER, Issued, LedgerInputs
from .ledger import LedgerWriter, lines_in_order


def after_payroll_step(session, instance: ProcessInstance, changes: Changes, actor: Actor, moment: datetime) -> None:
    """Freeze a confirmed roll, or take a corrected account, when this step reached the step that does it."""
    if instance.definition_key not in ("payroll", "bank_account_fix"):
        return
    ended = {a.activity_id for a in changes.ended}
    if "record_freeze" in ended:
        freeze_run(session, instance, actor, moment)
    if "fix_bank_account" in ended:
        take_fixed_account(session, instance, moment)


def freeze_run(session, instance: ProcessInstance, actor: Actor, moment: datetime) -> None:
    """Freeze the run of this payroll case: ledger entries for its lines, then the run row, then the event."""
    run = session.scalar(select(PayrollRun).where(PayrollRun.business_key == instance.business_key)
                         .with_for_update())
    if run is None or run.frozen_at is not None:
        raise Conflict(f"发放批次 {instance.business_key} 已冻结或不存在")
    ledger = LedgerWriter(session, run.county_path, actor.username, moment)
    for line_id, _, case_id, month, amount_fen, _ in lines_in_order(session, run.id, "AND status = 'pay'"):
        ledger.add(run.id, line_id, case_id, month, "ordered", amount_fen)
    ledger.close()
    session.execute(update(PayrollRun).where(PayrollRun.id == run.id).values(
        frozen_at=moment, frozen_by=actor.username, state="frozen", ledger_first=ledger.first,
        ledger_last=ledger.seq if ledger.count else None, ledger_head=ledger.prev if ledger.count else None))
    inputs = LedgerInputs(run.id, ledger.count, ledger.first, ledger.seq if ledger.count else None,
                          ledger.prev if ledger.count else None, run.total_fen - run.held_fen)
    with Writes(session) as writes:
        record_event(writes, instance, Issued(LEDGER, inputs, actor, moment, "record_freeze"))


def take_fixed_account(session, instance: ProcessInstance, moment: datetime) -> None:
    """Put the corrected account on the household the failed payment belonged to."""
    data = instance.variables or {}
    account = str(data.get("bank_account") or "").strip()
    problem = account_problem(account)
    if problem:
        raise ValidationFailed(problem, field="bank_account")
    session.execute(update(Benefit).where(Benefit.process_instance_id == data.get("case_id")).values(
        bank_account=account, account_problem=None, updated_at=moment))
