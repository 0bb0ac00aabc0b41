"""A task that opened, as the service's task row needs it: candidate groups, assignee, due dates, form and inputs,
each worked out from the activity's attributes and the case data at the moment it opened."""

from typing import Any

from app.domain.errors import EngineFailure

from .changes import OpenTask
from .expressions import ExpressionError, evaluate, evaluate_time, to_storable
from .functions import FunctionContext, to_datetime
from .notice_property import notice_kind

MAX_PRIORITY = 2**31 - 1  # Camunda's priority is a Java int


def describe(task: Any, kind: str, meta: dict[str, Any], context: FunctionContext) -> OpenTask:
    """Return the open `task` (a "user" or "external" one) with its activity attributes `meta` evaluated."""
    activity = task.task_spec.bpmn_id
    names = dict(task.data)
    context.provisional = False
    groups = _text("candidateGroups", meta, names, activity, context)
    opened = OpenTask(
        id=str(task.id), activity_id=activity, name=meta.get("name") or activity, kind=kind,
        candidate_groups=[g.strip() for g in (groups or "").split(",") if g.strip()],
        assignee=_text("assignee", meta, names, activity, context),
        due=_time("dueDate", meta, names, activity, context),
        follow_up=_time("followUpDate", meta, names, activity, context),
        priority=_priority(meta, kind, names, activity, context),
        form_key=meta.get("formId") or meta.get("formRef") or meta.get("formKey"), topic=meta.get("topic"),
    )
    opened.provisional = context.provisional
    opened.local = _locals(meta.get("inputs", {}), names, activity, context)
    opened.notice = notice_kind(meta, names, activity, context)
    return opened


def _locals(inputs: dict[str, Any], names: dict[str, Any], activity: str, context: FunctionContext) -> dict[str, Any]:
    try:
        return {name: to_storable(evaluate(expr, names, context)) if expr else None for name, expr in inputs.items()}
    except ExpressionError as err:
        raise EngineFailure(f"任务输入参数求值失败：{err}", element=activity) from err


def _text(attribute: str, meta: dict[str, Any], names: dict[str, Any], activity: str,
          context: FunctionContext) -> str | None:
    value = meta.get(attribute)
    if not value or "{" not in value:
        return value
    try:
        result = evaluate(value, names, context)
    except ExpressionError as err:
        raise EngineFailure(f"camunda:{attribute} 表达式求值失败：{err}", element=activity) from err
    if isinstance(result, (list, tuple)):
        return ",".join(map(str, result))
    return None if result is None else str(result)


def _priority(meta: dict[str, Any], kind: str, names: dict[str, Any], activity: str, context: FunctionContext) -> int:
    """A user task's camunda:priority (default 50); an external task's camunda:taskPriority (default 0)."""
    attribute = "priority" if kind == "user" else "taskPriority"
    text = _text(attribute, meta, names, activity, context)
    try:
        priority = (50 if kind == "user" else 0) if text is None else int(text)
    except ValueError:
        priority = None
    if priority is None or abs(priority) > MAX_PRIORITY:
        raise EngineFailure(f"camunda:{attribute} 须得到整数，得到 {str(text)[:40]!r}", element=activity)
    return priority


def _time(attribute: str, meta: dict[str, Any], names: dict[str, Any], activity: str,
          context: FunctionContext) -> str | None:
    value = meta.get(attribute)
    if not value:
        return None
    try:
        moment = evaluate_time(value, names, context)
        to_datetime(moment)
    except (ExpressionError, ValueError, TypeError) as err:
        raise EngineFailure(f"camunda:{attribute} 须得到 ISO 8601 日期时间：{err}", element=activity) from err
    return moment
