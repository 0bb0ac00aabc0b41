"""Timers read the command's clock, and fire only when their job fires.

Spiff's timers call datetime.now(); during a command that is the command's time, so due
times are computed from the service clock (tests and replay move it).

SpiffWorkflow fires any timer whose time has passed whenever a workflow runs engine
steps. Here a timer's due time is a job row, and only firing that job may fire the
timer: otherwise a user command arriving after the due time but before the job ran
would fire it on the side (and an event-based gateway would follow both its
objection message and its timer at once). Camunda behaves the same way: whichever
of the job and the message is executed first wins.
"""

from contextvars import ContextVar
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from .cron import is_cron, next_fire

_moment: ContextVar[datetime | None] = ContextVar("engine_moment", default=None)
_firing: ContextVar[str | None] = ContextVar("firing_timer_task", default=None)


class _CommandClock(datetime):
    @classmethod
    def now(cls, tz=None):
        moment = _moment.get()
        if moment is None:
            return datetime.now(tz)
        return moment.astimezone(tz) if tz else moment


def at_moment(moment: datetime):
    """Set the time Spiff's timers see for the current command; returns a reset token."""
    return _moment.set(moment)


def reset_moment(token) -> None:
    _moment.reset(token)


def firing(task_id: str):
    """Allow the timer(s) of one waiting task to fire during this command; returns a reset token."""
    return _firing.set(task_id)


def stop_firing(token) -> None:
    _firing.reset(token)


def _gate_once(original):
    def has_fired(self, my_task):
        already = my_task._get_internal_data("event_fired", False)
        original(self, my_task)  # computes the due time on first wait
        allowed = already or _firing.get() == str(my_task.id)
        if not allowed:
            my_task.internal_data.pop("event_fired", None)
            return False
        my_task._set_internal_data(event_fired=True)
        return True

    return has_fired


def _gate_cycle(original):
    def cycle_complete(self, my_task):
        if my_task._get_internal_data("event_value") is None:
            my_task._set_internal_data(event_value=_first_cycle(self, my_task))
        elif _firing.get() != str(my_task.id):
            return False
        value = my_task._get_internal_data("event_value")
        ready = original(self, my_task)
        if ready and value.get("cron"):  # a cron cycle fires next at its next time after this firing
            value["next"] = next_fire(value["cron"], _CommandClock.now(UTC)).isoformat()
        return ready

    return cycle_complete


def _first_cycle(definition, my_task) -> dict:
    """When a cycle first fires: a cron's next time; an ISO cycle's first repetition not already past (those past
    count as used, as Camunda counts them)."""
    expression = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    now = _CommandClock.now(UTC)
    if is_cron(expression):
        return {"cycles": -1, "next": next_fire(expression, now).isoformat(), "duration": 0, "cron": expression}
    cycles, start, duration = _timer.TimerEventDefinition.parse_iso_recurring_interval(expression)
    while start < now and cycles != 0 and duration.total_seconds() > 0:
        start, cycles = start + duration, cycles - 1
    return {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}


_timer.datetime = _CommandClock
TimeDateEventDefinition.has_fired = _gate_once(TimeDateEventDefinition.has_fired)
DurationTimerEventDefinition.has_fired = _gate_once(DurationTimerEventDefinition.has_fired)
CycleTimerEventDefinition.cycle_complete = _gate_cycle(CycleTimerEventDefinition.cycle_complete)
