"""The calendar's generation: no command computes a deadline from a calendar older than one committed before it.

Each process caches the calendar (app/services/runtime.py) and hears of a change by a broadcast, a moment later or,
while its listener is away, much later. So a change also raises `calendar_generation` and takes the advisory lock
`assistance.calendar` exclusively, just before it commits; on PostgreSQL each command that computes deadlines holds
that lock shared from its first use of the calendar until it commits, and reads the generation after taking it
(`calendar_generation_shared()`, migration 0051), reloading a cached calendar that is older. Either the command took
the lock first (the change commits after it, and the change's recompute sees its rows) or after the change committed
(it reads the new generation). The hot path's first statement, a task, job or external task read with its case
(app/store/queries.py `with_case`), reads the generation as one more column; other commands pay one statement.

SQLite serves one process, whose cache a change clears in the same process: it keeps the count, not the lock.
"""

from typing import Any

from sqlalchemy import func, text, update
from sqlalchemy.orm import Session

from .tables import CalendarGeneration

READ_ONLY = "read_only"  # session.info: a read's unit of work (app/store/unit_of_work.py)
_HELD = "calendar_generation"  # session.info: the generation this transaction read with the shared lock
GENERATION_SHARED = func.calendar_generation_shared().label("calendar_generation")


def holds_lock(session: Session) -> bool:
    """Whether this session's commands hold the calendar lock: on PostgreSQL, unless it only reads."""
    return session.get_bind().dialect.name == "postgresql" and not session.info.get(READ_ONLY)


def remember(session: Session, generation: Any) -> None:
    """Keep the generation a statement of this transaction read with `GENERATION_SHARED` (the lock is now held)."""
    session.info[_HELD] = (session.get_transaction(), int(generation))


def held_generation(session: Session) -> int | None:
    """On PostgreSQL: hold the calendar shared until this transaction ends, and return the generation committed
    (read after the lock was taken); None on SQLite."""
    if not holds_lock(session):
        return None
    held = session.info.get(_HELD)
    transaction = session.get_transaction()
    if held is None or transaction is None or held[0] is not transaction:
        remember(session, session.scalar(text("SELECT calendar_generation_shared()")))
    return int(session.info[_HELD][1])


def change_calendar(session: Session) -> int:
    """In the transaction of a calendar change, last before its commit: wait for the commands that hold the calendar,
    hold off new ones until the commit, and raise the generation; return the new one."""
    if holds_lock(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('assistance.calendar'))"))
    return int(session.execute(update(CalendarGeneration).where(CalendarGeneration.id == 1)
                               .values(generation=CalendarGeneration.generation + 1)
                               .returning(CalendarGeneration.generation)).scalar_one())


def read_generation(session: Session) -> int:
    """The generation committed, read without any lock (before a calendar is loaded)."""
    return int(session.scalar(text("SELECT generation FROM calendar_generation WHERE id = 1")))
