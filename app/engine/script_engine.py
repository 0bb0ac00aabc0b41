"""SpiffWorkflow's script engine replaced by the restricted evaluator."""


from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from .expressions import (
    ExpressionError,
    evaluate,
    evaluate_compiled,
    expression_problem,
    is_iso_literal,
    to_storable,
    unwrap,
)
from .feel import FEEL_FUNCTIONS
from .functions import MAX_RANGE as MAX_INSTANCES
from .functions import FunctionContext
from .sandbox import parse_source
from .scripts import run_script
from .timer_checks import timer_problem

_TIMER_KINDS = {TimeDateEventDefinition: "timeDate", DurationTimerEventDefinition: "timeDuration",
                CycleTimerEventDefinition: "timeCycle"}


class RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # an untyped base class
    """Evaluate every expression and script with the allow-listed evaluator, never eval/exec."""

    def __init__(self, context: FunctionContext) -> None:
        super().__init__()
        self.context = context

    def validate(self, expression: str) -> None:
        """Refuse a forbidden expression; bad syntax stays a SyntaxError, which Spiff's DMN engine relies on."""
        if not is_iso_literal(expression):
            parse_source(unwrap(expression), "eval")
        problem = expression_problem(expression)
        if problem:
            raise ExpressionError(problem)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        if is_iso_literal(expression):
            value = expression.strip()
        else:
            names = dict(task.data)
            names.update(external_context or {})
            try:
                value = to_storable(evaluate(expression, names, self.context))
            except ExpressionError as err:
                raise WorkflowTaskException(f"表达式 '{expression}' 求值失败：{err}", task=task, exception=err) from err
        if expression == getattr(task.task_spec, "cardinality", None) and isinstance(value, int) \
                and not 0 <= value <= MAX_INSTANCES:
            raise WorkflowTaskException(f"多实例数量 {value} 超出 0–{MAX_INSTANCES}", task=task)
        _check_timer(task, expression, value)
        return value

    def execute(self, task: Any, script: Any, external_context: Any = None) -> bool:
        try:
            run_script(script, task.data, self.context)
        except ExpressionError as err:
            raise WorkflowTaskException(f"脚本执行失败：{err}", task=task, exception=err) from err
        return True

    def evaluate_compiled(self, source: str, names: dict[str, Any]) -> Any:
        """Evaluate compiled FEEL (a decision's cells) over `names`."""
        return evaluate_compiled(source, names, self.context, FEEL_FUNCTIONS)

    def call_service(self, task: Any, **kwargs: Any) -> None:
        raise WorkflowTaskException("服务任务只能作为外部任务由工作者完成", task=task)


def _check_timer(task: Any, expression: str, value: Any) -> None:
    """Refuse what a timer's expression yields when SpiffWorkflow could not schedule it in bounded time."""
    definition = getattr(task.task_spec, "event_definition", None)
    kind = _TIMER_KINDS.get(type(definition))
    if kind is None or definition is None or expression != definition.expression:
        return
    problem = timer_problem(kind, value) if isinstance(value, str) else f"{kind} 须得到 ISO 8601 文本，得到 {value!r}"
    if problem:
        raise WorkflowTaskException(f"定时器 {problem}", task=task)
