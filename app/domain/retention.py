"""How long a finished case's history is kept (Camunda's historyTimeToLive), in days."""

import re
from datetime import datetime, timedelta

from .errors import DeploymentRefused

MAX_DAYS = 2_147_483_647  # Camunda keeps a time to live as a Java int
_DAYS = re.compile(r"(?:P(\d+)D|(\d+))")


def time_to_live_days(value: str | None, process_id: str, file: str | None = None) -> int | None:
    """Read camunda:historyTimeToLive as Camunda does: a number of days ("3650") or an ISO period of days
    ("P3650D") up to an int32, nothing around it; None when the process does not set it (the county's setting
    applies)."""
    if not value:
        return None
    found = _DAYS.fullmatch(value)
    days = int(found.group(1) or found.group(2)) if found else None
    if days is None or days > MAX_DAYS:
        raise DeploymentRefused(f"historyTimeToLive 须为 0 至 {MAX_DAYS} 的天数（如 3650 或 P3650D），实为 {value}",
                                file=file, element=process_id)
    return days


def retention_ends(ended_at: datetime, days: int) -> datetime | None:
    """When a case that ended at `ended_at`, kept `days` days, may be removed; None when that is past the last
    date there is (never)."""
    try:
        return ended_at + timedelta(days=days)
    except OverflowError:
        return None
