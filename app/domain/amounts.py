"""Money rules of the assistance processes, in one place: what the service computes and what it lets stand.

低保 is paid as the difference (补差) between the county's standard and the household's per-capita income,
times the household size, monthly ([低保办法]); 特困 support is the basic-living standard plus the care
standard of the person's self-care class ([特困办法]); a 临时救助 approval is paid in instalments that add up to it.
Amounts are computed in decimal, never in binary floating point, and rounded as the county sets it.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

UNITS = {"yuan": Decimal("1"), "jiao": Decimal("0.1"), "fen": Decimal("0.01")}
SELF_CARE_CLASSES = ("全自理", "半护理", "全护理")


def money(value: Any) -> Decimal:
    """Read a number (int, float, Decimal or its text) as an exact decimal amount."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise TypeError(f"不是金额：{value!r}")
    return Decimal(str(value))


def rounded(value: Any, unit: str = "yuan") -> Decimal:
    """Round half up (四舍五入) to the yuan, jiao or fen."""
    if unit not in UNITS:
        raise ValueError(f"取整单位须为 {', '.join(UNITS)}：{unit!r}")
    return money(value).quantize(UNITS[unit], rounding=ROUND_HALF_UP)


def dibao_top_up(standard: Any, per_capita_income: Any, household_size: Any, unit: str = "yuan") -> Decimal:
    """Return the monthly 低保 补差: (standard − per-capita income) × household size, never below 0, rounded."""
    size = _household_size(household_size)
    gap = max(money(standard) - money(per_capita_income), Decimal(0))
    return rounded(gap * size, unit)


def dibao_ceiling(standard: Any, household_size: Any) -> Decimal:
    """Return the most a household may get a month: the standard times the household size (an income of 0)."""
    return rounded(money(standard) * _household_size(household_size), "fen")


def income_after_expenses(per_capita_income: Any, household_size: Any, deductible_expenses: Any) -> Decimal:
    """Return the per-capita income once the household's deductible rigid expenses (a month) are taken off."""
    share = money(deductible_expenses) / _household_size(household_size)
    return rounded(max(money(per_capita_income) - share, Decimal(0)), "fen")


def deductible_expenses(expenses: list[Any], shares: list[Any]) -> Decimal:
    """Return the rigid expenses (a month) taken off a household's income: each kind times the county's share for it."""
    if len(expenses) != len(shares):
        raise ValueError("刚性支出与扣减比例的项数须相同")
    total = sum((money(e) * money(s) for e, s in zip(expenses, shares, strict=True)), Decimal(0))
    return rounded(total, "fen")


def tekun_support(basic_standard: Any, care_standards: dict[str, Any], self_care_class: str) -> Decimal:
    """Return the monthly 特困 support: the basic-living standard plus the care standard of the self-care class."""
    if self_care_class not in SELF_CARE_CLASSES:
        raise ValueError(f"生活自理能力须为 {'、'.join(SELF_CARE_CLASSES)} 之一：{self_care_class!r}")
    return rounded(money(basic_standard) + money(care_standards[self_care_class]), "fen")


def amount_left(approved: Any, paid: list[Any]) -> Decimal:
    """Return what is still to pay on an approval after the instalments paid so far."""
    return rounded(money(approved) - sum((money(p) for p in paid), Decimal(0)), "fen")


def is_amount(name: str) -> bool:
    """Return whether a case variable carries money: its name says `amount` (what no repair may change)."""
    return "amount" in name.lower()


def _household_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value != int(value) or value < 1:
        raise ValueError(f"家庭人口须为正整数：{value!r}")
    return int(value)
