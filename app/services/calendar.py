"""The working-day calendar: `chinesecalendar`'s official data plus years an admin loads.

The State Council publishes next year's holidays each November; until a year is loaded,
deadlines reaching into it are counted Monday to Friday and flagged provisional. Loading
the year recomputes every open task and timer job whose due date was provisional.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from chinese_calendar import constants
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import ValidationFailed
from app.domain.workcalendar import WorkCalendar
from app.store.broadcast import announce
from app.store.calendar_generation import change_calendar, read_generation
from app.store.tables import CalendarClosure, CalendarYear, CalendarYearVersion

from .deadlines import INLINE_SECONDS, Affected, Progress, owe_recompute, work_off
from .runtime import CALENDAR, Runtime


def official_calendar() -> WorkCalendar:
    """Return the calendar of every year `chinesecalendar` carries (2004 to its last year)."""
    holidays, workdays = set(constants.holidays), set(constants.workdays)
    return WorkCalendar(holidays, workdays, {d.year for d in holidays | workdays})


def current_calendar(rt: Runtime) -> tuple[WorkCalendar, int]:
    """Return the official calendar with every loaded year and local closure applied over it, and the generation it
    is at least as new as (read first: a change committed meanwhile is in the calendar, not in the number)."""
    calendar = official_calendar()
    closures: dict[str, set[date]] = {}
    with rt.reading() as uow:
        generation = read_generation(uow.session)
        for row in uow.session.scalars(select(CalendarYear).order_by(CalendarYear.year)):
            calendar = calendar.with_year(row.year, map(date.fromisoformat, row.holidays),
                                          map(date.fromisoformat, row.workdays))
        for path, day in uow.session.execute(select(CalendarClosure.org_path, CalendarClosure.day)
                                             .where(CalendarClosure.removed_at.is_(None))):
            closures.setdefault(path, set()).add(day)
    return calendar.with_closures({path: frozenset(days) for path, days in closures.items()}), generation


@dataclass
class YearLoaded:
    year: int
    holidays: int
    workdays: int
    recompute: Progress


def parse_year(content: bytes | str) -> dict:
    """Read a year file: {"year": 2027, "holidays": {"2027-01-01": "元旦"}, "workdays": {...}}."""
    try:
        data = json.loads(content)
    except ValueError as err:
        raise ValidationFailed(f"日历文件不是有效的 JSON：{err}", field="file") from err
    if not isinstance(data, dict):
        raise ValidationFailed("日历文件须为 JSON 对象", field="file")
    return data


def load_year(rt: Runtime, actor: Actor, data: dict, source: str | None = None,
              answer: Callable[[Session, YearLoaded], None] | None = None,
              budget_seconds: float = INLINE_SECONDS) -> YearLoaded:
    """Store a year's holidays and make-up working days with the recompute of the provisional due dates it owes
    (`answer` is given both in that transaction); then up to `budget_seconds` of the recompute run."""
    actor.require("deployment.create")
    year, holidays, workdays = _checked_year(data)
    with rt.unit_of_work() as uow:
        row = uow.session.get(CalendarYear, year) or CalendarYear(year=year)
        row.holidays, row.workdays, row.source = holidays, workdays, source
        row.loaded_at, row.loaded_by = clock.now(), actor.username
        uow.session.add(row)
        uow.session.add(CalendarYearVersion(year=year, holidays=holidays, workdays=workdays, source=source,
                                            loaded_at=row.loaded_at, loaded_by=row.loaded_by))
        owed = owe_recompute(uow.session, Affected(provisional=True), f"{year} 年日历载入", actor.username)
        change_calendar(uow.session)
        announce(uow.session, CALENDAR)
        progress = Progress.of(owed)
        if answer is not None:
            answer(uow.session, YearLoaded(year, len(holidays), len(workdays), progress))
        uow.commit()
    return YearLoaded(year, len(holidays), len(workdays), work_off(rt, progress, budget_seconds))


def _checked_year(data: dict) -> tuple[int, dict, dict]:
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed("year 须为 2000–2100 之间的整数", field="year")
    days = {}
    for field in ("holidays", "workdays"):
        values = data.get(field, {})
        if not isinstance(values, dict):
            raise ValidationFailed(f"{field} 须为 {{\"YYYY-MM-DD\": \"名称\"}} 对象", field=field)
        for text in values:
            try:
                day = date.fromisoformat(text)
            except ValueError as err:
                raise ValidationFailed(f"{field} 中的日期 {text} 无效", field=f"{field}.{text}") from err
            if day.year != year:
                raise ValidationFailed(f"{field} 中的日期 {text} 不在 {year} 年", field=f"{field}.{text}")
        days[field] = {k: str(v) for k, v in values.items()}
    both = set(days["holidays"]) & set(days["workdays"])
    if both:
        raise ValidationFailed(f"日期既是假日又是工作日：{', '.join(sorted(both))}", field="workdays")
    return year, days["holidays"], days["workdays"]
