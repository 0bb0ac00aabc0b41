"""Deadline timers (`timeDate` expressions on case facts) evaluated outside a run.

A timer whose date is counted past the known calendar is provisional; when the
calendar changes (a year loaded, a local closure added) the service evaluates the
same expression again, at the moment the timer was set, to move its job.
"""

from typing import Any

from .activities import ActivityInfo
from .expressions import ExpressionError, evaluate_time, is_iso_literal
from .functions import FunctionContext


def timer_date(activity: ActivityInfo, names: dict[str, Any], context: FunctionContext) -> str | None:
    """Evaluate an activity's timeDate expression; None for durations, cycles and literal dates."""
    expression = activity.time_date
    if not expression or is_iso_literal(expression):
        return None
    return evaluate_time(expression, names, context)


def timer_is_provisional(activity: ActivityInfo, names: dict[str, Any], context: FunctionContext) -> bool:
    """Return whether the timer's date was counted on weekdays past the known calendar."""
    try:
        timer_date(activity, names, context)
    except ExpressionError:
        return False
    return context.provisional
