"""Monthly payment (发放) rules that need no database: months, money in fen, bank account numbers.

Months are 'YYYY-MM' text (they sort as they follow each other); amounts are whole fen (分), so
sums are exact on every database; a bank account is digits only, 16–19 long, with the Luhn check
digit that UnionPay (银联) cards carry, which is what the 一卡通 accounts of 社会化发放 are.
"""

import re
from datetime import datetime
from typing import Any

from .clock import local
from .errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_ACCOUNT = re.compile(r"^\d{16,19}$")


def month_of(moment: datetime) -> str:
    """Return the month (Beijing time) a moment falls in."""
    return local(moment).strftime("%Y-%m")


def shift_month(month: str, count: int) -> str:
    """Return the month `count` months after `month` (before it when negative)."""
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(value: Any, field: str = "month") -> str:
    """Return a valid 'YYYY-MM' month or refuse naming the field."""
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ValidationFailed(f"{field} 须为 YYYY-MM 格式的月份", field=field)
    return value


def month_label(month: str) -> str:
    """'2027-01' as people write it: 2027年01月."""
    return f"{month[:4]}年{month[5:7]}月"


def to_fen(yuan: Any) -> int:
    """Return an amount in yuan (a number) as whole fen, rounded half up."""
    return int((float(yuan) * 100) + (0.5 if float(yuan) >= 0 else -0.5))


def to_yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def yuan_text(fen: int) -> str:
    """¥ text with two decimals and thousands separators: 1,234.50."""
    return f"{fen / 100:,.2f}"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def account_problem(account: str | None) -> str | None:
    """Return why a bank account number cannot be paid into, or None when it can."""
    text = (account or "").replace(" ", "")
    if not text:
        return "缺少银行账号"
    if not _ACCOUNT.match(text):
        return "银行账号须为16至19位数字"
    if not luhn_ok(text):
        return "银行账号校验位错误"
    return None


BANK_FILE_COLUMNS = ("序号", "姓名", "身份证号", "银行账号", "金额", "摘要", "乡镇", "月份", "类别")
DEFAULT_BANK_COLUMNS = ("序号", "姓名", "身份证号", "银行账号", "金额", "摘要")


def bank_columns(value: str) -> tuple[str, ...]:
    """The bank file's columns from the county setting's text ('序号,姓名,…')."""
    return tuple(c.strip() for c in value.split(",") if c.strip())


def bank_columns_problem(value: Any) -> str | None:
    """Say what is wrong with a bank file layout, or None."""
    columns = bank_columns(str(value))
    unknown = [c for c in columns if c not in BANK_FILE_COLUMNS]
    if unknown:
        return f"未知的列 {'、'.join(unknown)}"
    if len(set(columns)) != len(columns) or "序号" not in columns or "金额" not in columns:
        return "列不得重复，且须含序号和金额"
    return None
