"""What one step of a 低保 or 特困 case changes in the household's payment: the facts the monthly roll reads.

A case's step is described by its data before and after and the activities it ended; from that
this module says which household facts change (who is paid, household size, last assessed
income, bank account) and which monthly amounts (低保 `amount`, 特困 `support_amount`) come into
force from which month:

| step | amount in force |
|---|---|
| approval (低保 `record_approval`, 特困 `record_confirmation`) | the approved amount from the month after |
| a re-check that changes the amount (低保 `change`; 特困 a new self-care class) | the new amount from the month after |
| re-check `gradual_exit` (渐退, n months) | nothing from the month after the n-th month after the decision |
| re-check `stop` (低保), termination after 公示 (特困 `support_terminated`) | nothing from the month after |
| a death leaving no member paid (低保 `remaining_members` = 0, 特困 `person_died`) | nothing from the month after it |
| 虚报冒领 (`record_fraud`) | nothing from the month of the finding: payment stops at once |
| the case cancelled | nothing from the month after |
| a new county standard (`standard_change`) | the recomputed `amount` from the standard's effective month |
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .payroll import month_of, shift_month, to_fen


@dataclass(frozen=True)
class ProcessFacts:
    """Where a process keeps the facts the roll needs (variable names) and the steps that change them."""

    approval: str  # the script task that records the approval
    amount: str  # the variable holding the monthly amount
    first_month: str  # the variable holding the first month paid ('YYYY-MM')
    size: str | None  # household size (特困: a person, 1)
    income: str  # the last assessed monthly (per-capita) income
    payment_task: str  # finance's task that records the bank account
    stops_at_decision: bool  # a re-check `stop` ends payment at once (低保), or only at an end event (特困, 公示)
    ended_by: dict[str, str] = field(default_factory=dict)  # end event -> reason (stops from the next month)
    died: tuple[str, ...] = ()  # events reporting the death of the person paid: stops from the month after `died_on`


PROCESSES: dict[str, ProcessFacts] = {
    "dibao": ProcessFacts("record_approval", "amount", "payment_from", "household_size", "per_capita_income",
                          "payment", True),
    "tekun": ProcessFacts("record_confirmation", "support_amount", "support_from", None, "income", "support_start",
                          False, {"support_terminated": "termination"}, ("person_died",)),
}
HOUSEHOLD_FIELDS = ("applicant_name", "id_number", "bank_account")


@dataclass(frozen=True)
class AmountChange:
    """From `effective_month` on, the household is paid `amount_fen` a month (0: not paid)."""

    effective_month: str
    amount_fen: int
    reason: str


@dataclass(frozen=True)
class BenefitStep:
    """The household facts a step set (column -> value) and the amounts it brought into force."""

    household: dict[str, Any]
    changes: tuple[AmountChange, ...]


def benefit_step(process: str, before: dict[str, Any], after: dict[str, Any], ended: set[str], moment: datetime,
                 cancelled: bool = False) -> BenefitStep | None:
    """Return what a step changed in the household's payment, or None when it changed nothing."""
    facts = PROCESSES.get(process)
    if facts is None:
        return None
    if facts.approval in ended:
        return _approval(facts, after)
    if not _approved(before):
        return None  # not (yet) in payment: nothing to follow
    changes = _amount_changes(facts, before, after, ended, moment, cancelled)
    household = _household(facts, before, after)
    if facts.payment_task in ended and after.get("bank_account"):
        household["bank_account"] = str(after["bank_account"]).strip()
    if not changes and not household:
        return None
    return BenefitStep(household, tuple(changes))


def _approved(data: dict[str, Any]) -> bool:
    return bool(data.get("approved_at") or data.get("confirmed_at"))


def _approval(facts: ProcessFacts, after: dict[str, Any]) -> BenefitStep | None:
    amount = after.get(facts.amount)
    first = after.get(facts.first_month)
    if amount is None or not isinstance(first, str):
        return None  # an approval without an amount cannot be paid; the roll's exceptions cannot list it either
    household = {name: after.get(name) for name in HOUSEHOLD_FIELDS}
    household.update(household_size=_size(facts, after), income_fen=_income(facts, after), payment_from=first)
    return BenefitStep(household, (AmountChange(first, to_fen(amount), "approval"),))


def _size(facts: ProcessFacts, data: dict[str, Any]) -> int:
    return int(data.get(facts.size) or 1) if facts.size else 1


def _income(facts: ProcessFacts, data: dict[str, Any]) -> int | None:
    value = data.get(facts.income)
    return None if value is None else to_fen(value)


def _household(facts: ProcessFacts, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The household facts this step changed (a re-check's income, a corrected name…)."""
    changed = {}
    if after.get(facts.income) != before.get(facts.income):
        changed["income_fen"] = _income(facts, after)
    if facts.size and after.get(facts.size) != before.get(facts.size):
        changed["household_size"] = _size(facts, after)
    for name in ("applicant_name", "id_number"):
        if after.get(name) != before.get(name) and after.get(name):
            changed[name] = after[name]
    return changed


def _amount_changes(facts: ProcessFacts, before: dict[str, Any], after: dict[str, Any], ended: set[str],
                    moment: datetime,
                    cancelled: bool) -> list[AmountChange]:
    standard = after.get("standard_change")
    if isinstance(standard, dict) and standard != before.get("standard_change"):
        return [AmountChange(standard["effective_month"], to_fen(after[facts.amount]), "standard_change")]
    this_month = month_of(moment)
    following = shift_month(this_month, 1)
    if "record_fraud" in ended:
        return [AmountChange(this_month, 0, "fraud")]
    if cancelled:
        return [AmountChange(following, 0, "cancelled")]
    for end_event, reason in facts.ended_by.items():
        if end_event in ended:
            return [AmountChange(following, 0, reason)]
    died = any(event in ended for event in facts.died)
    if died or ("household_member_died" in ended and after.get("remaining_members") == 0):
        return [AmountChange(shift_month(_death_month(after, this_month), 1), 0, "death")]
    if "recheck_decision" in ended or after.get(facts.amount) != before.get(facts.amount):
        return _recheck(facts, before, after, following)
    return []


def _recheck(facts: ProcessFacts, before: dict[str, Any], after: dict[str, Any], following: str) -> list[AmountChange]:
    result = after.get("recheck_result")
    if after.get(facts.amount) is not None and after.get(facts.amount) != before.get(facts.amount):
        return [AmountChange(following, to_fen(after[facts.amount]), "recheck_change")]
    if result == "gradual_exit":
        months = int(after.get("gradual_exit_months") or 0)
        return [AmountChange(shift_month(following, months), 0, "gradual_exit_end")]
    if result == "stop" and facts.stops_at_decision:
        return [AmountChange(following, 0, "stop")]
    return []


def _death_month(after: dict[str, Any], fallback: str) -> str:
    died_on = after.get("died_on")
    if isinstance(died_on, str):
        try:
            return date.fromisoformat(died_on[:10]).strftime("%Y-%m")
        except ValueError:
            return fallback
    return fallback
