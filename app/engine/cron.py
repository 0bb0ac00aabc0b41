"""Timer cycles written as cron, the way Camunda 7 writes them: Quartz's six or seven fields, seconds first
(`0 0 9 * * ?` is every day at 9:00, `0 0/30 9-17 ? * MON-FRI` every half hour of office hours), counted in China
Standard Time. Quartz numbers the days of the week 1 (Sunday) to 7 (Saturday); croniter 0 to 6, so the numbers
are moved before croniter reads them.
"""

import re
from datetime import datetime, timedelta

from croniter import croniter

from app.domain.clock import CHINA_TZ

_DAY_NUMBER = re.compile(r"(?<![#\d])([1-7])(?![\d])")
_FIELD = re.compile(r"[0-9*?/,#LWA-Z-]+")


def is_cron(text: str) -> bool:
    """Whether a timer text is a cron expression: six or seven fields of cron's characters (an ISO cycle starts
    with R, an expression has names and operators)."""
    fields = (text or "").split()
    return len(fields) in (6, 7) and all(_FIELD.fullmatch(f) for f in fields) and not fields[0].startswith("R")


def _croniter_text(text: str) -> str:
    fields = text.split()
    fields[5] = _DAY_NUMBER.sub(lambda m: str(int(m.group(1)) - 1), fields[5])
    return " ".join(fields)


def cron_problem(text: str, min_seconds: float) -> str | None:
    """Why a cron cycle is refused: not Quartz's syntax, or firing more often than `min_seconds` apart."""
    translated = _croniter_text(text)
    if not croniter.is_valid(translated, second_at_beginning=True):
        return f"timeCycle 的 cron 表达式无效（Quartz 格式：秒 分 时 日 月 周 [年]）：{text[:40]}"
    runs = croniter(translated, datetime(2026, 1, 5, tzinfo=CHINA_TZ), second_at_beginning=True)
    times = [runs.get_next(datetime) for _ in range(5)]
    if min(b - a for a, b in zip(times, times[1:], strict=False)) < timedelta(seconds=min_seconds):
        return f"cron 循环 {text[:40]} 的间隔短于 {min_seconds:g} 秒下限（TIMER_MIN_CYCLE_SECONDS）"
    return None


def next_fire(text: str, after: datetime) -> datetime:
    """The first time after `after` the cron cycle fires."""
    fires: datetime = croniter(_croniter_text(text), after.astimezone(CHINA_TZ),
                               second_at_beginning=True).get_next(datetime)
    return fires
