"""Working days (工作日) by the State Council's holiday and 调休 notices.

民法典 art. 201/203: the start day is not counted, and a period ends at 24:00 of its
last day. Years past the loaded data are counted Monday to Friday and flagged
provisional, never guessed silently.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class WorkdayResult:
    day: date
    provisional: bool


def _weekdays_until(day: date) -> int:
    """Monday-to-Friday days from an epoch up to and including `day`."""
    weeks, weekday = divmod(day.toordinal() - 1, 7)  # ordinal 1 (0001-01-01) is a Monday
    return weeks * 5 + min(weekday + 1, 5)


@dataclass
class WorkCalendar:
    """Holidays and make-up working days for the years in `known_years`."""

    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    known_years: set[int] = field(default_factory=set)
    closures: dict[str, frozenset[date]] = field(default_factory=dict)  # org path -> local closure days

    def is_known(self, day: date) -> bool:
        return day.year in self.known_years

    def is_workday(self, day: date) -> bool:
        """Return whether `day` is a working day (调休 weekends count as working days)."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_workdays(self, start: date, count: int) -> WorkdayResult:
        """Return the `count`-th working day after `start` (start day not counted; before it if negative).

        Counted by whole weeks and the table of exceptions (holidays on weekdays, 调休 weekends), so the
        cost grows with the logarithm of `count`, not with `count`.
        """
        if count == 0:
            return WorkdayResult(start, False)
        if count > 0:
            day = self._search(start, lambda d: self.workdays_between(start, d) >= count, forward=True)
        else:
            day = self._search(start, lambda d: self.workdays_between(d - timedelta(days=1),
                                                                      start - timedelta(days=1)) >= -count,
                               forward=False)
        first, last = sorted((start + timedelta(days=1 if count > 0 else -1), day))
        provisional = any(year not in self.known_years for year in range(first.year, last.year + 1))
        return WorkdayResult(day, provisional)

    @staticmethod
    def _search(start: date, reached: Any, forward: bool) -> date:
        """The day nearest `start` (after it, or before it) for which `reached(day)` holds, by doubling then halving."""
        sign, span = (1 if forward else -1), 8
        room = ((date.max if forward else date.min) - start).days * sign
        while not reached(start + timedelta(days=sign * min(span, room))):
            if span >= room:
                raise OverflowError("日期超出范围")
            span *= 2
        span = min(span, room)
        low, high = 0, span  # reached at `high` days away, not at `low`
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if reached(start + timedelta(days=sign * middle)) else (middle, high)
        return start + timedelta(days=sign * high)

    def workdays_between(self, start: date, end: date) -> int:
        """Count working days after `start` up to and including `end`."""
        if end <= start:
            return 0
        return _weekdays_until(end) - _weekdays_until(start) - self._between(self._lost, start, end) \
            + self._between(self._gained, start, end)

    @staticmethod
    def _between(days: list[date], start: date, end: date) -> int:
        return bisect_right(days, end) - bisect_right(days, start)

    @cached_property
    def _lost(self) -> list[date]:
        """Weekdays that are not working days (holidays), sorted."""
        return sorted(d for d in self.holidays if d.weekday() < 5 and d not in self.workdays)

    @cached_property
    def _gained(self) -> list[date]:
        """Weekend days that are working days (调休), sorted."""
        return sorted(d for d in self.workdays if d.weekday() >= 5)

    def with_year(self, year: int, holidays: Iterable[date], workdays: Iterable[date]) -> "WorkCalendar":
        """Return a calendar that also knows `year`, replacing any data it had for it."""
        keep_h = {d for d in self.holidays if d.year != year}
        keep_w = {d for d in self.workdays if d.year != year}
        return WorkCalendar(keep_h | set(holidays), keep_w | set(workdays), self.known_years | {year}, self.closures)

    def with_closures(self, closures: dict[str, frozenset[date]]) -> "WorkCalendar":
        """Return this calendar with local closure days per org path (applied by `for_org`)."""
        return WorkCalendar(self.holidays, self.workdays, self.known_years, dict(closures))

    def for_org(self, org_path: str) -> "WorkCalendar":
        """Return the calendar of one org unit: its own and its county's closure days are not working days."""
        closed = frozenset().union(*(days for path, days in self.closures.items() if org_path.startswith(path)))
        if not closed:
            return self
        return WorkCalendar(self.holidays | closed, self.workdays - closed, self.known_years)
