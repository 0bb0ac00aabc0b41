"""Check a 居民身份证号码 (GB 11643-1999): 18 characters, valid birth date, ISO 7064 check digit."""

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """Return the check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """Return why `value` is not a valid 身份证号码, or None when it is valid."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _SHAPE.match(text):
        return "身份证号码须为18位，前17位为数字，末位为数字或X"
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1900:
        return "身份证号码中的出生日期无效"
    if check_digit(text[:17]) != text[17]:
        return "身份证号码校验位错误"
    return None


def birth_date(value: str) -> date:
    """Return the birth date written in a 身份证号码 (characters 7–14)."""
    text = str(value).strip()
    return date(int(text[6:10]), int(text[10:12]), int(text[12:14]))


def age_on(value: str, day: date) -> int:
    """Return the full years of age on `day` of the person with this 身份证号码."""
    born = birth_date(value)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask_id_number(value: str) -> str:
    """Show the first 6 and last 4 characters only."""
    if not isinstance(value, str) or len(value) < 10:
        return "*" * len(value or "")
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
