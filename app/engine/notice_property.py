"""The one way a diagram asks for a notice of a decision: `camunda:property name="notice"` on the handover task.

    <bpmn:userTask id="refusal_notice" camunda:candidateGroups="window" …>
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="notice" value="refusal"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask>

The value is a notice kind, or — for a task that hands over several kinds — an expression whose every
result is a kind written out: `${'stop' if recheck_result == 'stop' else 'reduction'}`. So every kind a
task can issue is known at deploy, where an unknown kind, or one without a deployed template, is
refused. The kind is evaluated on the case data when the task opens, in the command that opens it,
which then issues the notice (app/services/notices.py).
"""

import ast
from typing import Any

from app.domain.errors import EngineFailure
from app.domain.notices import kind_problem

from .activities import ActivityInfo
from .expressions import ExpressionError, evaluate, expression_problem, unwrap
from .functions import FunctionContext

PROPERTY = "notice"


def declared_kinds(value: str) -> list[str]:
    """Every kind the property can yield; raise ValueError saying why it is not acceptable."""
    if "{" not in value:
        kinds = [value.strip()]
    else:
        problem = expression_problem(value)
        if problem:
            raise ValueError(problem)
        kinds = _results(ast.parse(unwrap(value), mode="eval").body)
    for kind in kinds:
        problem = kind_problem(kind)
        if problem:
            raise ValueError(problem)
    return sorted(set(kinds))


def _results(node: ast.expr) -> list[str]:
    if isinstance(node, ast.IfExp):
        return _results(node.body) + _results(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    raise ValueError("告知书种类表达式的每个结果须为写明的种类（如 'stop' if … else 'reduction'）")


def notice_kind(meta: ActivityInfo, names: dict[str, Any], activity: str, context: FunctionContext) -> str | None:
    """The kind of notice the task issues as it opens with case data `names`, or None."""
    value = meta.notice
    if not value:
        return None
    if "{" not in value:
        return str(value).strip()
    try:
        kind = evaluate(value, names, context)
    except ExpressionError as err:
        raise EngineFailure(f"告知书种类表达式求值失败：{err}", element=activity) from err
    if kind not in (meta.notice_templates or {}):
        raise EngineFailure(f"告知书种类表达式得到 {kind!r}，不是本任务声明的种类", element=activity)
    return str(kind)
