"""A task that opened, as the service's task row needs it: candidate groups, assignee, due dates, form and inputs,
each worked out from the activity's attributes and the case data at the moment it opened."""

from app.domain.errors import EngineFailure

from .changes import OpenTask
from .expressions import ExpressionError, evaluate, evaluate_time, to_storable
from .functions import FunctionContext


def describe(task, kind: str, meta: dict, context: FunctionContext) -> OpenTask:
    """Return the open `task` (a "user" or "external" one) with its activity attributes `meta` evaluated."""
    activity = task.task_spec.bpmn_id
    names = dict(task.data)
    context.provisional = False
    groups = _text(meta.get("candidateGroups"), names, context)
    opened = OpenTask(
        id=str(task.id), activity_id=activity, name=meta.get("name") or activity, kind=kind,
        candidate_groups=[g.strip() for g in (groups or "").split(",") if g.strip()],
        assignee=_text(meta.get("assignee"), names, context),
        due=_time(meta.get("dueDate"), names, activity, context),
        follow_up=_time(meta.get("followUpDate"), names, activity, context),
        priority=int(_text(meta.get("priority"), names, context) or 50),
        form_key=meta.get("formId") or meta.get("formRef") or meta.get("formKey"), topic=meta.get("topic"),
    )
    opened.provisional = context.provisional
    opened.local = _locals(meta.get("inputs", {}), names, activity, context)
    return opened


def _locals(inputs: dict, names: dict, activity: str, context: FunctionContext) -> dict:
    try:
        return {name: to_storable(evaluate(expr, names, context)) if expr else None for name, expr in inputs.items()}
    except ExpressionError as err:
        raise EngineFailure(f"任务输入参数求值失败：{err}", element=activity) from err


def _text(value: str | None, names: dict, context: FunctionContext) -> str | None:
    if not value or "{" not in value:
        return value
    result = evaluate(value, names, context)
    return ",".join(result) if isinstance(result, (list, tuple)) else (None if result is None else str(result))


def _time(value: str | None, names: dict, activity: str, context: FunctionContext) -> str | None:
    if not value:
        return None
    try:
        return evaluate_time(value, names, context)
    except ExpressionError as err:
        raise EngineFailure(f"到期时间表达式求值失败：{err}", element=activity) from err
