"""Working days (工作日) by the State Council's holiday and 调休 notices.

民法典 art. 201/203: the start day is not counted, and a period ends at 24:00 of its
last day. Years past the loaded data are counted Monday to Friday and flagged
provisional, never guessed silently.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class WorkdayResult:
    day: date
    provisional: bool


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
        """Return the `count`-th working day after `start` (start day not counted)."""
        day, provisional, step = start, False, 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            provisional = provisional or not self.is_known(day)
            if self.is_workday(day):
                remaining -= 1
        return WorkdayResult(day, provisional)

    def workdays_between(self, start: date, end: date) -> int:
        """Count working days after `start` up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

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
