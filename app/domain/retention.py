"""How long a finished case's history is kept (Camunda's historyTimeToLive), in days."""

import re

from .errors import DeploymentRefused

_DAYS = re.compile(r"(?:P(\d+)D|(\d+))")


def time_to_live_days(value: str | None, process_id: str, file: str | None = None) -> int | None:
    """Read camunda:historyTimeToLive as Camunda does: a number of days ("3650") or an ISO period of days
    ("P3650D"); None when the process does not set it (the county's setting applies)."""
    if value is None or not value.strip():
        return None
    found = _DAYS.fullmatch(value.strip())
    if found is None:
        raise DeploymentRefused(f"historyTimeToLive 须为天数（如 3650 或 P3650D），实为 {value}", file=file,
                                element=process_id)
    return int(found.group(1) or found.group(2))
