"""Timers read the command's clock, and fire only when their job fires.

Spiff's timers call datetime.now(); during a command that is the command's time, so due
times are computed from the service clock (tests and replay move it).

SpiffWorkflow fires any timer whose time has passed whenever a workflow runs engine
steps. Here a timer's due time is a job row, and only firing that job may fire the
timer: otherwise a user command arriving after the due time but before the job ran
would fire it on the side (and an event-based gateway would follow both its
objection message and its timer at once). Camunda behaves the same way: whichever
of the job and the message is executed first wins.

The moment and the firing task are set here; SpiffWorkflow reads them through
app/engine/spiff_compat/timers.py.
"""

from contextvars import ContextVar, Token
from datetime import datetime, tzinfo

_moment: ContextVar[datetime | None] = ContextVar("engine_moment", default=None)
_firing: ContextVar[str | None] = ContextVar("firing_timer_task", default=None)


def at_moment(moment: datetime) -> Token[datetime | None]:
    """Set the time Spiff's timers see for the current command; returns a reset token."""
    return _moment.set(moment)


def reset_moment(token: Token[datetime | None]) -> None:
    _moment.reset(token)


def firing(task_id: str) -> Token[str | None]:
    """Allow the timer(s) of one waiting task to fire during this command; returns a reset token."""
    return _firing.set(task_id)


def stop_firing(token: Token[str | None]) -> None:
    _firing.reset(token)


def command_now(tz: tzinfo | None = None) -> datetime:
    """The command's moment (in `tz`), or the wall clock outside a command."""
    moment = _moment.get()
    if moment is None:
        return datetime.now(tz)
    return moment.astimezone(tz) if tz else moment


def may_fire(task_id: str) -> bool:
    """Whether this command fires the timer(s) of task `task_id`."""
    return _firing.get() == task_id
