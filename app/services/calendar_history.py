"""The working-day calendar as it stood at a past moment, so replay reproduces what a case computed.

A year loaded in November, or a closure entered or withdrawn later, must not change the
dates a case computed before: replay evaluates each event with the official data, the
year versions loaded at or before its moment and the closures in force then.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.workcalendar import WorkCalendar
from app.store.tables import CalendarClosure, CalendarYearVersion

from .calendar import official_calendar


@dataclass(frozen=True)
class _YearVersion:
    id: int
    year: int
    loaded_at: datetime
    holidays: frozenset[date]
    workdays: frozenset[date]


@dataclass(frozen=True)
class _ClosureSpan:
    org_path: str
    day: date
    created: datetime
    removed_at: datetime | None

    def in_force(self, moment: datetime, org_path: str) -> bool:
        return (org_path.startswith(self.org_path) and self.created <= moment
                and (self.removed_at is None or moment < self.removed_at))


class CalendarsInForce:
    """Calendar history read once; one calendar built per distinct version (years loaded, days closed)."""

    def __init__(self, session: Session):
        self._years = [
            _YearVersion(row.id, row.year, row.loaded_at, frozenset(map(date.fromisoformat, row.holidays)),
                         frozenset(map(date.fromisoformat, row.workdays)))
            for row in session.scalars(select(CalendarYearVersion)
                                       .order_by(CalendarYearVersion.loaded_at, CalendarYearVersion.id))]
        self._closures = [_ClosureSpan(*row) for row in session.execute(
            select(CalendarClosure.org_path, CalendarClosure.day, CalendarClosure.created,
                   CalendarClosure.removed_at))]
        self._official = official_calendar()
        self._built: dict[tuple[tuple[int, ...], frozenset[date]], WorkCalendar] = {}

    def at(self, moment: datetime, org_path: str) -> WorkCalendar:
        """Return the calendar of `org_path` as it stood at `moment`."""
        latest: dict[int, _YearVersion] = {}
        for version in self._years:
            if version.loaded_at <= moment:
                latest[version.year] = version
        closed = frozenset(c.day for c in self._closures if c.in_force(moment, org_path))
        key = (tuple(sorted(v.id for v in latest.values())), closed)
        if key not in self._built:
            calendar = self._official
            for version in sorted(latest.values(), key=lambda v: v.year):
                calendar = calendar.with_year(version.year, version.holidays, version.workdays)
            self._built[key] = calendar.with_closures({org_path: closed}).for_org(org_path)
        return self._built[key]
