"""A task that opened, as the service's task row needs it: candidate groups, assignee, due dates, form and inputs,
each worked out from the activity's attributes and the case data at the moment it opened."""

from collections.abc import Mapping
from typing import Any

from app.domain.errors import EngineFailure

from .activities import ActivityInfo
from .changes import OpenTask
from .expressions import ExpressionError, evaluate, evaluate_time, to_storable
from .functions import FunctionContext, to_datetime
from .notice_property import notice_kind

MAX_PRIORITY = 2**31 - 1  # Camunda's priority is a Java int


def describe(task: Any, kind: str, meta: ActivityInfo, context: FunctionContext) -> OpenTask:
    """Return the open `task` (a "user" or "external" one) with its activity attributes `meta` evaluated."""
    activity = task.task_spec.bpmn_id
    names = dict(task.data)
    context.provisional = False
    groups = _text("candidateGroups", meta.candidate_groups, names, activity, context)
    assignee = _text("assignee", meta.assignee, names, activity, context)
    due = _time("dueDate", meta.due_date, names, activity, context)
    follow_up = _time("followUpDate", meta.follow_up_date, names, activity, context)
    priority = _priority(meta, kind, names, activity, context)
    provisional = context.provisional  # of the dates, counted past the known calendar
    return OpenTask(
        id=str(task.id), activity_id=activity, name=meta.name or activity, kind=kind,
        candidate_groups=[g.strip() for g in (groups or "").split(",") if g.strip()], assignee=assignee, due=due,
        follow_up=follow_up, priority=priority, form_key=meta.form_id or meta.form_ref or meta.form_key,
        topic=meta.topic, provisional=provisional, local=_locals(meta.inputs or {}, names, activity, context),
        notice=notice_kind(meta, names, activity, context))


def _locals(inputs: Mapping[str, str], names: dict[str, Any], activity: str,
            context: FunctionContext) -> dict[str, Any]:
    try:
        return {name: to_storable(evaluate(expr, names, context)) if expr else None for name, expr in inputs.items()}
    except ExpressionError as err:
        raise EngineFailure(f"任务输入参数求值失败：{err}", element=activity) from err


def _text(attribute: str, value: str | None, names: dict[str, Any], activity: str,
          context: FunctionContext) -> str | None:
    """The value of a Camunda attribute (`value` as written): a text as it is, an expression evaluated."""
    if not value or "{" not in value:
        return value
    try:
        result = evaluate(value, names, context)
    except ExpressionError as err:
        raise EngineFailure(f"camunda:{attribute} 表达式求值失败：{err}", element=activity) from err
    if isinstance(result, (list, tuple)):
        return ",".join(map(str, result))
    return None if result is None else str(result)


def _priority(meta: ActivityInfo, kind: str, names: dict[str, Any], activity: str, context: FunctionContext) -> int:
    """A user task's camunda:priority (default 50); an external task's camunda:taskPriority (default 0)."""
    attribute, written = ("priority", meta.priority) if kind == "user" else ("taskPriority", meta.task_priority)
    text = _text(attribute, written, names, activity, context)
    try:
        priority = (50 if kind == "user" else 0) if text is None else int(text)
    except ValueError:
        priority = None
    if priority is None or abs(priority) > MAX_PRIORITY:
        raise EngineFailure(f"camunda:{attribute} 须得到整数，得到 {str(text)[:40]!r}", element=activity)
    return priority


def _time(attribute: str, value: str | None, names: dict[str, Any], activity: str,
          context: FunctionContext) -> str | None:
    if not value:
        return None
    try:
        moment = evaluate_time(value, names, context)
        to_datetime(moment)
    except (ExpressionError, ValueError, TypeError) as err:
        raise EngineFailure(f"camunda:{attribute} 须得到 ISO 8601 日期时间：{err}", element=activity) from err
    return moment
