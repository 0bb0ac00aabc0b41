"""The household payment facts the roll reads, kept in step with the cases by the command path.

`project_benefit` runs inside a case command's writes (app/services/steps.py), so the facts
change in the same transaction — on PostgreSQL in the same statement — as the step that
changed them; `backfill_benefits` derives them once for cases approved before the tables existed.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.domain import clock
from app.domain.benefits import PROCESSES, AmountChange, BenefitStep, benefit_step
from app.domain.orgs import tenant_of
from app.domain.payroll import account_problem, month_of, shift_month
from app.engine.changes import Changes
from app.engine.functions import to_datetime
from app.store.tables import Benefit, BenefitChange, ProcessInstance
from app.store.writes import Writes

_BENEFITS, _CHANGES = Benefit.__table__, BenefitChange.__table__


def county_of(org_path: str) -> str:
    return "/" + org_path.strip("/").split("/")[0] + "/"


def township_of(org_path: str) -> str:
    parts = org_path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/"


def project_benefit(writes: Writes, instance: ProcessInstance, before: dict, changes: Changes,
                    moment: datetime) -> None:
    """Write what this step changed in the household's payment facts, if anything."""
    if instance.definition_key not in PROCESSES:
        return
    ended = {a.activity_id for a in changes.ended}
    step = benefit_step(instance.definition_key, before, changes.variables, ended, moment, changes.terminated)
    if step is not None:
        write_step(writes, instance, step, moment)


def write_step(writes: Writes, instance: ProcessInstance, step: BenefitStep, moment: datetime) -> None:
    """Upsert the household row with the facts that changed and append the amounts brought into force."""
    household = dict(step.household)
    if "bank_account" in household:
        household["account_problem"] = account_problem(household["bank_account"])
    if "payment_from" in household:  # the approval: the whole row
        household.update(definition_key=instance.definition_key, business_key=instance.business_key,
                         org_path=instance.org_path, township_path=township_of(instance.org_path),
                         county_path=county_of(instance.org_path), tenant_id=tenant_of(instance.org_path))
        household.setdefault("account_problem", account_problem(household.get("bank_account")))
    row = {"process_instance_id": instance.id, **household, "updated_at": moment}
    if "payment_from" in household:
        writes.upsert(_BENEFITS, [row])
    else:
        writes.update_rows(_BENEFITS, [row], ("process_instance_id",))
    writes.insert(_CHANGES, [_change_row(instance.id, county_of(instance.org_path), c, moment) for c in step.changes])


def _change_row(case_id: str, county: str, change: AmountChange, moment: datetime) -> dict:
    return {"process_instance_id": case_id, "county_path": county, "tenant_id": tenant_of(county),
            "effective_month": change.effective_month,
            "amount_fen": change.amount_fen, "reason": change.reason, "recorded_at": moment}


def backfill_benefits(connection: Connection) -> int:
    """Derive the payment facts of approved 低保 and 特困 cases that have none from their stored data; return how
    many (run again, it adds none)."""
    moment = clock.now()
    cases = connection.execute(select(ProcessInstance.__table__.c["id", "definition_key", "business_key",
                                                                    "org_path", "state", "ended_at", "variables"])
                               .where(ProcessInstance.definition_key.in_(PROCESSES),
                                      ProcessInstance.id.not_in(select(Benefit.process_instance_id)))).all()
    done = 0
    for case in cases:
        approval = _approval_of(case)
        if approval is None:
            continue
        household, changes = approval
        connection.execute(_BENEFITS.insert().values(
            process_instance_id=case.id, definition_key=case.definition_key, business_key=case.business_key,
            org_path=case.org_path, township_path=township_of(case.org_path), county_path=county_of(case.org_path),
            tenant_id=tenant_of(case.org_path),
            account_problem=account_problem(household.get("bank_account")), updated_at=moment, **household))
        for change in changes:
            connection.execute(_CHANGES.insert().values(_change_row(case.id, county_of(case.org_path), change, moment)))
        done += 1
    return done


def _approval_of(case) -> tuple[dict, list[AmountChange]] | None:
    """The household and its amounts as far as the case's current data tells them."""
    data = case.variables or {}
    facts = PROCESSES[case.definition_key]
    step = benefit_step(case.definition_key, {}, data, {facts.approval}, clock.now())
    if step is None or not (data.get("approved_at") or data.get("confirmed_at")):
        return None
    household = {**step.household, "bank_account": data.get("bank_account")}
    changes = list(step.changes)
    if case.state != "ACTIVE" and case.ended_at is not None:
        changes.append(AmountChange(shift_month(month_of(case.ended_at), 1), 0, "ended"))
    elif data.get("recheck_result") == "gradual_exit" and data.get("recheck_decided_at"):
        decided = month_of(to_datetime(data["recheck_decided_at"]))
        changes.append(AmountChange(shift_month(decided, int(data.get("gradual_exit_months") or 0) + 1), 0,
                                    "gradual_exit_end"))
    return household, changes
