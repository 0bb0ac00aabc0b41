"""The allow-listed functions designers may call in expressions, scripts and forms.

Dates travel through case data as ISO-8601 strings; every function accepts a string,
a date or a datetime and returns an aware datetime in China Standard Time.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from app.domain import amounts
from app.domain.clock import CHINA_TZ
from app.domain.id_number import age_on
from app.domain.workcalendar import WorkCalendar

END_OF_DAY = time(23, 59, 59)
# a period counted in days, working days or months reaches at most about a century
MAX_COUNTS = {"add_days": 36_525, "add_workdays": 25_000, "add_months": 1_200, "plus_time": 3_200_000_000}
_SECONDS = {"weeks": 604_800, "days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1}


def _count(function: str, value: Any) -> int:
    """Read the size argument of `function`, refusing one past its bound before any work is done."""
    count = int(value)
    if abs(count) > MAX_COUNTS[function]:
        raise ValueError(f"{function} 的数量 {count} 超出 ±{MAX_COUNTS[function]} 上限（约一百年）")
    return count


def to_datetime(value: Any) -> datetime:
    """Read a date, datetime or ISO string as an aware datetime in China time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise TypeError(f"不是日期：{value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.astimezone(CHINA_TZ)


@dataclass
class FunctionContext:
    """What the functions need from the command being run: its time and the calendar."""

    moment: datetime
    calendar: WorkCalendar
    provisional: bool = False
    notes: list[str] = field(default_factory=list)
    sample_key: str | None = None  # the case and event a command runs for: what `sampled` draws from

    def now(self) -> datetime:
        return self.moment.astimezone(CHINA_TZ)

    def date(self, text: str) -> datetime:
        return to_datetime(text)

    def add_workdays(self, start: Any, count: int) -> datetime:
        result = self.calendar.add_workdays(to_datetime(start).date(), _count("add_workdays", count))
        self.provisional = self.provisional or result.provisional
        return datetime.combine(result.day, END_OF_DAY, CHINA_TZ)

    def add_days(self, start: Any, count: int) -> datetime:
        day = to_datetime(start).date().toordinal() + _count("add_days", count)
        return datetime.combine(date.fromordinal(day), END_OF_DAY, CHINA_TZ)

    def next_month(self, value: Any) -> datetime:
        day = to_datetime(value).date()
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return datetime(year, month, 1, tzinfo=CHINA_TZ)

    def add_months(self, start: Any, count: int) -> datetime:
        """The same day `count` months later (the month's last day if shorter), end of day."""
        day = to_datetime(start).date()
        index = day.year * 12 + day.month - 1 + _count("add_months", count)
        year, month = divmod(index, 12)
        last = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - date.resolution).day
        return datetime.combine(date(year, month + 1, min(day.day, last)), END_OF_DAY, CHINA_TZ)

    def plus_time(self, start: Any, unit: str, count: int) -> datetime:
        """`start` moved by `count` years, months, weeks, days, hours, minutes or seconds, the time of day kept
        (what Camunda's `dateTime().plusWeeks(1)` gives)."""
        moment, count = to_datetime(start), _count("plus_time", count)
        if unit in ("years", "months"):
            months = count * 12 if unit == "years" else count
            shifted = self.add_months(moment, months)
            return datetime.combine(shifted.date(), moment.timetz())
        if unit not in _SECONDS:
            raise ValueError(f"plus_time 的单位 {unit} 无效")
        return moment + timedelta(seconds=count * _SECONDS[unit])

    def age(self, id_number: Any, at: Any) -> int:
        """Full years of age at `at` of the holder of a 身份证号码."""
        return age_on(id_number, to_datetime(at).date())

    def month(self, value: Any) -> str:
        return to_datetime(value).strftime("%Y-%m")

    def is_workday(self, value: Any) -> bool:
        return self.calendar.is_workday(to_datetime(value).date())

    def sampled(self, share: Any, label: str = "") -> bool:
        """Return whether this case's event falls in a sample of `share` (0–1): the same on every replay."""
        if self.sample_key is None:
            raise ValueError("sampled() 只能在案件的命令中使用")
        digest = hashlib.sha256(f"{self.sample_key}/{label}".encode()).digest()
        return int.from_bytes(digest[:8], "big") < float(share) * 2**64

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {
            "now": self.now,
            "date": self.date,
            "add_workdays": self.add_workdays,
            "add_days": self.add_days,
            "next_month": self.next_month,
            "add_months": self.add_months,
            "plus_time": self.plus_time,
            "age": self.age,
            "month": self.month,
            "is_workday": self.is_workday,
            "sampled": self.sampled,
            **PURE_FUNCTIONS,
        }


MAX_RANGE = 100


def range_list(count: Any) -> list[int]:
    """Return [1, 2, …, count]: the numbers of a multi-instance collection (at most MAX_RANGE)."""
    count = int(count)
    if not 0 <= count <= MAX_RANGE:
        raise ValueError(f"range_list 的参数须在 0 到 {MAX_RANGE} 之间")
    return list(range(1, count + 1))


def dibao_amount(standard: Any, per_capita_income: Any, household_size: Any, unit: Any = "yuan") -> float:
    """The 低保 补差 (app/domain/amounts.py) as case data stores it."""
    return float(amounts.dibao_top_up(standard, per_capita_income, household_size, unit))


def dibao_max(standard: Any, household_size: Any) -> float:
    return float(amounts.dibao_ceiling(standard, household_size))


def income_after_expenses(per_capita_income: Any, household_size: Any, deductible_expenses: Any) -> float:
    return float(amounts.income_after_expenses(per_capita_income, household_size, deductible_expenses))


def deductible_expenses(expenses: Any, shares: Any) -> float:
    return float(amounts.deductible_expenses(list(expenses), list(shares)))


def tekun_amount(basic_standard: Any, care_self: Any, care_partial: Any, care_full: Any, self_care_class: Any) -> float:
    """The 特困 support for a self-care class, from the county's standards."""
    care = dict(zip(amounts.SELF_CARE_CLASSES, (care_self, care_partial, care_full), strict=True))
    return float(amounts.tekun_support(basic_standard, care, self_care_class))


def amount_left(approved: Any, paid: Any) -> float:
    return float(amounts.amount_left(approved, list(paid or [])))


MONEY_FUNCTIONS: dict[str, Callable[..., Any]] = {"dibao_amount": dibao_amount, "dibao_max": dibao_max,
                                        "income_after_expenses": income_after_expenses,
                                        "deductible_expenses": deductible_expenses,
                                        "tekun_amount": tekun_amount, "amount_left": amount_left}

PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    **MONEY_FUNCTIONS,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    "range_list": range_list,
}

FUNCTION_NAMES = frozenset(
    ["now", "date", "add_workdays", "add_days", "next_month", "add_months", "plus_time", "age", "month", "is_workday",
     "sampled", *PURE_FUNCTIONS]
)
