"""SpiffWorkflow's script engine replaced by the restricted evaluator."""


from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from .expressions import ExpressionError, evaluate, expression_problem, is_iso_literal, to_storable, unwrap
from .functions import MAX_RANGE as MAX_INSTANCES
from .functions import FunctionContext
from .sandbox import parse_source
from .scripts import run_script


class RestrictedScriptEngine(PythonScriptEngine):
    """Evaluate every expression and script with the allow-listed evaluator, never eval/exec."""

    def __init__(self, context: FunctionContext):
        super().__init__()
        self.context = context

    def validate(self, expression):
        """Refuse a forbidden expression; bad syntax stays a SyntaxError, which Spiff's DMN engine relies on."""
        if not is_iso_literal(expression):
            parse_source(unwrap(expression), "eval")
        problem = expression_problem(expression)
        if problem:
            raise ExpressionError(problem)

    def evaluate(self, task, expression, external_context=None):
        if is_iso_literal(expression):
            return expression.strip()
        names = dict(task.data)
        names.update(external_context or {})
        try:
            value = to_storable(evaluate(expression, names, self.context))
        except ExpressionError as err:
            raise WorkflowTaskException(f"表达式 '{expression}' 求值失败：{err}", task=task, exception=err) from err
        if expression == getattr(task.task_spec, "cardinality", None) and isinstance(value, int) \
                and not 0 <= value <= MAX_INSTANCES:
            raise WorkflowTaskException(f"多实例数量 {value} 超出 0–{MAX_INSTANCES}", task=task)
        return value

    def execute(self, task, script, external_context=None):
        try:
            run_script(script, task.data, self.context)
        except ExpressionError as err:
            raise WorkflowTaskException(f"脚本执行失败：{err}", task=task, exception=err) from err
        return True

    def call_service(self, task, **kwargs):
        raise WorkflowTaskException("服务任务只能作为外部任务由工作者完成", task=task)
