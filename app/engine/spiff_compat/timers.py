"""Timers on the command's clock that fire only when their job fires (app/engine/timers.py says why).

SpiffWorkflow's timer definitions call `datetime.now()` from their module and fire in `has_fired` /
`cycle_complete`; stored specs name SpiffWorkflow's own classes, so subclasses would not reach deployed
definitions: the module's `datetime` is rebound to the command clock and the two methods are wrapped. A cycle's
first firing follows Camunda: a cron expression fires at its next time, an ISO cycle skips repetitions already past.
"""

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import wraps
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from ..cron import is_cron, next_fire
from ..timers import command_now, may_fire

# the SpiffWorkflow code this was written against, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {
    "SpiffWorkflow.bpmn.specs.event_definitions.timer": "e8b6d06b682a9d0f",
    "SpiffWorkflow.bpmn.specs.event_definitions.timer.TimeDateEventDefinition.has_fired": "919a32f7b56f51c0",
    "SpiffWorkflow.bpmn.specs.event_definitions.timer.DurationTimerEventDefinition.has_fired": "c78bee4e63b01fbc",
    "SpiffWorkflow.bpmn.specs.event_definitions.timer.CycleTimerEventDefinition.cycle_complete": "14378cef17d05489",
}

Check = Callable[[Any, Any], bool]


class CommandClock(datetime):
    """Stands in for `datetime` inside SpiffWorkflow's timer module: `now()` is the command's moment."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return command_now(tz)


def gate_once(original: Check) -> Check:
    """A date or duration timer fires only in the command that fires its job."""

    @wraps(original)
    def has_fired(self: Any, my_task: Any) -> bool:
        already = my_task._get_internal_data("event_fired", False)
        original(self, my_task)  # computes the due time on first wait
        allowed = already or may_fire(str(my_task.id))
        if not allowed:
            my_task.internal_data.pop("event_fired", None)
            return False
        my_task._set_internal_data(event_fired=True)
        return True

    return has_fired


def gate_cycle(original: Check) -> Check:
    """A cycle's repetition fires only in the command that fires its job; a cron cycle then moves to its next time."""

    @wraps(original)
    def cycle_complete(self: Any, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            my_task._set_internal_data(event_value=first_cycle(self, my_task))
        elif not may_fire(str(my_task.id)):
            return False
        value = my_task._get_internal_data("event_value")
        ready = original(self, my_task)
        if ready and value.get("cron"):  # a cron cycle fires next at its next time after this firing
            value["next"] = next_fire(value["cron"], CommandClock.now(UTC)).isoformat()
        return ready

    return cycle_complete


def first_cycle(definition: Any, my_task: Any) -> dict[str, Any]:
    """When a cycle first fires: a cron's next time; an ISO cycle's first repetition not already past (those past
    count as used, as Camunda counts them)."""
    expression = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    now = CommandClock.now(UTC)
    if is_cron(expression):
        return {"cycles": -1, "next": next_fire(expression, now).isoformat(), "duration": 0, "cron": expression}
    cycles, start, duration = spiff_timer.TimerEventDefinition.parse_iso_recurring_interval(expression)
    while start < now and cycles != 0 and duration.total_seconds() > 0:
        start, cycles = start + duration, cycles - 1
    return {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}


def install() -> None:
    """Put SpiffWorkflow's timers on the command clock and behind their jobs."""
    spiff_timer.datetime = CommandClock
    TimeDateEventDefinition.has_fired = gate_once(TimeDateEventDefinition.has_fired)
    DurationTimerEventDefinition.has_fired = gate_once(
        DurationTimerEventDefinition.has_fired)
    CycleTimerEventDefinition.cycle_complete = gate_cycle(
        CycleTimerEventDefinition.cycle_complete)
