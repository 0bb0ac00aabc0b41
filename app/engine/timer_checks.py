"""What a timer may say: an ISO-8601 date, a duration of at most a century, or a cycle no faster than a setting.

SpiffWorkflow adds a duration's months one by one (`P99999999Y` spins a thread for ever) and a cycle of
`R/PT0S` fires at every poll, each firing an event in the append-only log. Literals are checked when a
diagram is deployed; what a timer expression yields is checked when the timer starts waiting.
"""

import re
from collections.abc import Mapping
from datetime import datetime

from .cron import cron_problem, is_cron

MAX_DURATION_SECONDS = 100 * 365.25 * 86400
_DATE_UNITS = {"Y": 365.25 * 86400, "M": 30.44 * 86400, "W": 7 * 86400, "D": 86400}
_TIME_UNITS = {"H": 3600, "M": 60, "S": 1}
_DURATION = re.compile(r"P(?=\d|T\d)((?:\d+(?:[.,]\d+)?[YMWD])*)(?:T((?:\d+(?:[.,]\d+)?[HMS])+))?", re.I)
_PART = re.compile(r"(\d+(?:[.,]\d+)?)([YMWDHS])", re.I)
_settings = {"min_cycle_seconds": 60.0}


def set_min_cycle(seconds: float) -> None:
    """Set the shortest interval a timer cycle may repeat at (TIMER_MIN_CYCLE_SECONDS)."""
    _settings["min_cycle_seconds"] = float(seconds)


def timer_problem(kind: str, text: str) -> str | None:
    """Return why the value of a `timeDate`, `timeDuration` or `timeCycle` timer is refused, or None."""
    text = (text or "").strip()
    if kind == "timeDate":
        return None if _is_datetime(text) else f"timeDate 须为 ISO 8601 日期时间：{text[:40]}"
    if kind == "timeDuration":
        return _duration_problem(text)
    return _cycle_problem(text)


def _duration_seconds(text: str) -> float | None:
    """The length of an ISO 8601 duration in seconds (a year of 365.25 days, a month of 30.44), or None."""
    match = _DURATION.fullmatch(text)
    if not match:
        return None
    return _sum(match.group(1), _DATE_UNITS) + _sum(match.group(2), _TIME_UNITS)


def _sum(part: str | None, units: Mapping[str, float]) -> float:
    return sum(float(number.replace(",", ".")) * units[unit.upper()] for number, unit in _PART.findall(part or ""))


def _is_duration(text: str) -> bool:
    return _duration_seconds(text) is not None


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _duration_problem(text: str) -> str | None:
    seconds = _duration_seconds(text)
    if seconds is None:
        return f"须为 ISO 8601 时长（如 P7D、PT1H）：{text[:40]}"
    if seconds > MAX_DURATION_SECONDS:
        return f"时长 {text[:40]} 超过 100 年上限"
    return None


def _cycle_problem(text: str) -> str | None:
    if is_cron(text):
        return cron_problem(text, _settings["min_cycle_seconds"])
    parts = text.split("/")
    if len(parts) not in (2, 3) or not re.fullmatch(r"R\d*", parts[0], re.I):
        return (f"timeCycle 须为 ISO 8601 重复间隔（如 R3/PT1H、R/2026-01-01T00:00:00+08:00/P1D）或 cron"
                f"（如 0 0 9 * * ?）：{text[:40]}")
    durations = [p for p in parts[1:] if _is_duration(p)]
    others = [p for p in parts[1:] if not _is_duration(p)]
    if len(durations) != 1 or any(not _is_datetime(p) for p in others):
        return f"timeCycle 须含一个时长，另可含一个 ISO 8601 起止时间：{text[:40]}"
    problem = _duration_problem(durations[0])
    if problem:
        return problem
    if (_duration_seconds(durations[0]) or 0.0) < _settings["min_cycle_seconds"]:
        return (f"循环 {text[:40]} 的间隔 {durations[0]} 短于 {_settings['min_cycle_seconds']:g} 秒下限"
                "（TIMER_MIN_CYCLE_SECONDS）")
    return None
