"""What every handler needs: the session factory and the working-day calendar."""

import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from app.domain.workcalendar import WorkCalendar
from app.store.unit_of_work import UnitOfWork

CALENDAR_RECHECK_SECONDS = 60.0


class Runtime:
    """The session factory, and a calendar every process re-reads at most once a minute."""

    def __init__(self, session_factory: sessionmaker[Session], load_calendar: Callable[["Runtime"], WorkCalendar]):
        self.session_factory = session_factory
        self._load_calendar = load_calendar
        self._calendar: WorkCalendar | None = None
        self._loaded = 0.0

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def reading(self, snapshot: bool = False) -> UnitOfWork:
        """A unit of work that only reads: the database refuses its writes; it ends without a rollback.
        With `snapshot`, every statement sees the database as of the first (REPEATABLE READ)."""
        return UnitOfWork(self.session_factory, read_only=True, snapshot=snapshot)

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None or time.monotonic() - self._loaded > CALENDAR_RECHECK_SECONDS:
            self.refresh_calendar()
        return self._calendar

    def calendar_for(self, org_path: str) -> WorkCalendar:
        """Return the calendar of the org unit a case belongs to (with its local closure days)."""
        return self.calendar.for_org(org_path)

    def refresh_calendar(self) -> None:
        """Re-read the calendar now (after this process loaded a year, or when it may be stale)."""
        self._calendar = self._load_calendar(self)
        self._loaded = time.monotonic()
