"""What every handler needs: the session factory, the working-day calendar and the changes all processes hear."""

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from app.domain.workcalendar import WorkCalendar
from app.store.broadcast import Broadcast
from app.store.calendar_generation import held_generation
from app.store.unit_of_work import UnitOfWork

# without a cross-process broadcast (SQLite), a process re-reads the calendar at most this long after a change
CALENDAR_RECHECK_SECONDS = 60.0
CALENDAR = "calendar"  # the broadcast topic of a loaded year or a closure day added or removed


class Runtime:
    """The session factory; the calendar, re-read when any process announces a change to it."""

    def __init__(self, session_factory: sessionmaker[Session],
                 load_calendar: Callable[["Runtime"], tuple[WorkCalendar, int]], broadcast: Broadcast):
        self.session_factory = session_factory
        self.broadcast = broadcast
        self._load_calendar = load_calendar
        self._calendar: WorkCalendar | None = None
        self._generation = 0  # the calendar_generation the cached calendar is at least as new as
        self._loaded = 0.0
        self._calendar_changes = 0  # announcements heard; a read that began before the last one is stale
        self._calendar_lock = threading.Lock()
        broadcast.subscribe(CALENDAR, self._calendar_changed)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def reading(self, snapshot: bool = False) -> UnitOfWork:
        """A unit of work that only reads: the database refuses its writes; it ends without a rollback.
        With `snapshot`, every statement sees the database as of the first (REPEATABLE READ)."""
        return UnitOfWork(self.session_factory, read_only=True, snapshot=snapshot)

    @property
    def calendar(self) -> WorkCalendar:
        calendar = self._calendar
        if calendar is None or (not self.broadcast.listening
                                and time.monotonic() - self._loaded > CALENDAR_RECHECK_SECONDS):
            calendar = self.refresh_calendar()
        return calendar

    def calendar_for(self, org_path: str, session: Session | None = None) -> WorkCalendar:
        """Return the calendar of the org unit a case belongs to (with its local closure days). A command that
        stores what it computes passes its `session`: on PostgreSQL the calendar is then no older than the last one
        committed, and no change commits before the command does (app/store/calendar_generation.py)."""
        if session is not None and (committed := held_generation(session)) is not None:
            with self._calendar_lock:
                calendar, generation = self._calendar, self._generation
            if calendar is None or generation < committed:
                calendar = self.refresh_calendar()
            return calendar.for_org(org_path)
        return self.calendar.for_org(org_path)

    def refresh_calendar(self) -> WorkCalendar:
        """Re-read the calendar now; kept unless a change was announced while it was being read."""
        with self._calendar_lock:
            seen = self._calendar_changes
        calendar, generation = self._load_calendar(self)
        with self._calendar_lock:
            if seen == self._calendar_changes and generation >= self._generation:
                self._calendar, self._generation, self._loaded = calendar, generation, time.monotonic()
        return calendar

    def _calendar_changed(self, _key: str) -> None:
        with self._calendar_lock:
            self._calendar_changes += 1
            self._calendar = None
