"""A new 低保 standard from an effective month: its impact first, then every household in payment recomputed.

The preview reads the payment facts (last assessed per-capita income, household size, the amount in
force that month) and applies the 补差 rule of app/domain/amounts.py to each household, per township;
nothing is loaded from workflows. Saving sets the county's standard (new cases take it) and, for each
household whose 补差 changes, runs one command on its case: the case's standard and amount change,
the event records the new amount and its approval notice, and the amount comes into force in the roll
from the effective month (a month already paid gets the difference as 补发).
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select, text

from app.domain import clock
from app.domain.actors import Actor
from app.domain.amounts import dibao_top_up
from app.domain.errors import Conflict, ValidationFailed
from app.domain.payroll import month_label, parse_month, to_fen, to_yuan, yuan_text
from app.store.tables import OrgUnit, ProcessInstance

from ..case_commands import run_command
from ..registry import STANDARD_CHANGE, Issued, StandardInputs
from ..runtime import Runtime
from ..settings import change_setting, county_setting
from .runs import county_unit


@dataclass(frozen=True)
class Recomputed:
    case_id: str
    township: str
    old_fen: int
    new_fen: int


_HOUSEHOLDS = text("""
SELECT b.process_instance_id, b.township_path, b.household_size, b.income_fen,
       (SELECT c.amount_fen FROM benefit_change c WHERE c.process_instance_id = b.process_instance_id
          AND c.effective_month <= :month ORDER BY c.effective_month DESC, c.id DESC LIMIT 1) AS amount_fen
FROM benefit b JOIN process_instance p ON p.id = b.process_instance_id
WHERE b.county_path = :county AND b.definition_key = 'dibao' AND p.state = 'ACTIVE' AND b.payment_from <= :month
""")


def _checked(standard, effective_month) -> tuple[float, str]:
    if isinstance(standard, bool) or not isinstance(standard, (int, float)) or not 0 < standard <= 100000:
        raise ValidationFailed("standard 须为大于 0 的金额（元/人·月）", field="standard")
    return float(standard), parse_month(effective_month, "effectiveMonth")


def recompute(session, county_path: str, standard: float, month: str) -> list[Recomputed]:
    """Every 低保 household in payment in `month`, its amount then and its 补差 under `standard`."""
    unit = county_setting(session, county_path, "dibao_rounding")
    out = []
    for row in session.execute(_HOUSEHOLDS, {"county": county_path, "month": month}):
        if not row.amount_fen or row.income_fen is None or not row.household_size:
            continue
        new = to_fen(dibao_top_up(standard, row.income_fen / 100, row.household_size, unit))
        out.append(Recomputed(row.process_instance_id, row.township_path, row.amount_fen, new))
    return out


def preview_standard(rt: Runtime, actor: Actor, county_code: str, standard, effective_month) -> dict:
    """How many households change and the monthly total before and after, per township and in all."""
    actor.require("standard.preview")
    standard, month = _checked(standard, effective_month)
    with rt.reading() as uow:
        county = county_unit(uow.session, actor, county_code)
        households = recompute(uow.session, county.path, standard, month)
        names = dict(uow.session.execute(select(OrgUnit.path, OrgUnit.name).where(
            OrgUnit.path.like(county.path + "%"))).all())
        current = county_setting(uow.session, county.path, "dibao_standard")
    per = defaultdict(lambda: [0, 0, 0, 0])
    for h in households:
        totals = per[h.township]
        totals[0] += 1
        totals[1] += h.new_fen != h.old_fen
        totals[2] += h.old_fen
        totals[3] += h.new_fen
    townships = [{"township": t, "townshipName": names.get(t, t), "households": n, "changed": changed,
                  "totalBefore": to_yuan(before), "totalAfter": to_yuan(after)}
                 for t, (n, changed, before, after) in sorted(per.items())]
    return {"county": county_code, "currentStandard": current, "standard": standard, "effectiveMonth": month,
            "households": len(households), "changed": sum(h.new_fen != h.old_fen for h in households),
            "totalBefore": to_yuan(sum(h.old_fen for h in households)),
            "totalAfter": to_yuan(sum(h.new_fen for h in households)), "townships": townships}


def apply_standard(rt: Runtime, actor: Actor, county_code: str, standard, effective_month) -> dict:
    """Set the county's standard and recompute each household in payment; return what changed."""
    actor.require("deployment.create")
    standard, month = _checked(standard, effective_month)
    change_setting(rt, actor, county_code, "dibao_standard", standard)
    with rt.reading() as uow:
        county = county_unit(uow.session, actor, county_code)
        changed = [h for h in recompute(uow.session, county.path, standard, month) if h.new_fen != h.old_fen]
    done, conflicts = 0, []
    for household in changed:
        try:
            _recompute_case(rt, actor, household, standard, month)
            done += 1
        except Conflict:
            conflicts.append(household.case_id)  # the case moved meanwhile: saving the same standard again redoes it
    return {"standard": standard, "effectiveMonth": month, "changed": done, "notChanged": conflicts}


def _recompute_case(rt: Runtime, actor: Actor, household: Recomputed, standard: float, month: str) -> None:
    moment = clock.now()
    notice = (f"根据低保标准调整，自{month_label(month)}起，城乡低保标准为{standard:g}元/人·月，"
              f"你户低保金由每月{yuan_text(household.old_fen)}元调整为每月{yuan_text(household.new_fen)}元。")
    variables = {"dibao_standard": standard, "amount": household.new_fen / 100,
                 "standard_change": {"effective_month": month, "standard": standard, "notice": notice}}
    with rt.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, household.case_id)
        run_command(rt, uow.session, instance, Issued(
            STANDARD_CHANGE, StandardInputs(variables, {"kind": "approval", "text": notice}), actor, moment,
            "dibao_standard"))
        uow.commit()
