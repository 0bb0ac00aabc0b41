"""Evaluate designer-written expressions without Python eval: simpleeval with an allow-list.

Camunda writes expressions as `${...}` in JUEL; the common JUEL spellings (true, false,
null, &&, ||, !) are read as their Python equivalents. FEEL in forms starts with `=`.
"""

import ast
import re
from datetime import date, datetime
from typing import Any

from simpleeval import InvalidExpression

from .cron import is_cron
from .functions import FUNCTION_NAMES, FunctionContext
from .sandbox import MAX_SECONDS, BoundedEval, deadline_exceeded, parse_source
from .watchdog import within_cpu_seconds

_EL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.S)
_ISO_LITERAL = re.compile(r"^(R\d*/|P(?=\d|T\d)|\d{4}-\d{2}-\d{2})", re.I)
_STRINGS = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
JUEL_NAMES = {"true": True, "false": False, "null": None}


class ExpressionError(Exception):
    """An expression failed to parse or evaluate; the message says why."""


def unwrap(expression: str) -> str:
    """Strip a Camunda `${...}` wrapper and translate JUEL operators."""
    match = _EL.match(expression or "")
    body = match.group("body") if match else (expression or "")
    if not match:
        return body.strip()
    body = _SPIN_VALUE.sub("", _SPIN_PROP.sub(r"[\1\2\1]", body))
    parts = _STRINGS.split(body)  # JUEL operators outside string literals only: "Hi!" stays "Hi!"
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"!(?!=)", " not ", parts[i].replace("&&", " and ").replace("||", " or "))
        parts[i] = _DATE_TIME.sub(_date_time, parts[i])
    return "".join(parts).strip()


# Camunda Spin's JSON navigation on a Json variable: `customer.prop("age").numberValue()` is `customer["age"]`
_SPIN_PROP = re.compile(r"""\.prop\(\s*(["'])([^"']*)\1\s*\)""")
_SPIN_VALUE = re.compile(r"\.(?:numberValue|stringValue|boolValue|value)\(\s*\)")
# Camunda's built-in `dateTime()` (a Joda DateTime of now) with its plus/minus methods and `.toDate()`
_DATE_TIME = re.compile(r"dateTime\(\)((?:\s*\.\s*(?:plus|minus)(?:Years|Months|Weeks|Days|Hours|Minutes|Seconds)"
                        r"\([^()]*\))*)(?:\s*\.\s*toDate\(\))?")
_SHIFT = re.compile(r"(plus|minus)(Years|Months|Weeks|Days|Hours|Minutes|Seconds)\(([^()]*)\)")


def _date_time(match: re.Match[str]) -> str:
    moment = "now()"
    for sign, unit, count in _SHIFT.findall(match.group(1)):
        moment = f"plus_time({moment}, {unit.lower()!r}, {'-' if sign == 'minus' else ''}({count}))"
    return moment


def feel_to_python(expression: str) -> str:
    """Translate the small FEEL subset form-js conditions use (`=a = "x" and b`)."""
    body = expression.strip().lstrip("=").strip()
    return re.sub(r"(?<![<>!=])=(?!=)", "==", body)


def is_iso_literal(expression: str) -> bool:
    """Return whether a timer/due text is a plain ISO date, duration or cycle."""
    if _EL.match(expression or ""):
        return False
    return bool(_ISO_LITERAL.match((expression or "").strip())) or is_cron(expression or "")


EVALUATION_ERRORS = (InvalidExpression, SyntaxError, TypeError, ValueError, KeyError, IndexError, AttributeError,
                     ZeroDivisionError, OverflowError, MemoryError, RecursionError)
MAX_EXPRESSION_LENGTH = 10_000


def _evaluator(names: dict[str, Any], context: FunctionContext) -> BoundedEval:
    merged = dict(JUEL_NAMES)
    merged.update(names)
    return BoundedEval(names=merged, functions=context.functions())


def bounded(evaluation: Any) -> Any:
    """Run `evaluation()` under the CPU deadline; any failure of it is an ExpressionError."""
    try:
        return within_cpu_seconds(MAX_SECONDS, evaluation, deadline_exceeded)
    except EVALUATION_ERRORS as err:
        raise ExpressionError(f"{type(err).__name__}: {err}") from err


def evaluate(expression: str, names: dict[str, Any], context: FunctionContext) -> Any:
    """Evaluate one expression against case data `names`."""
    body = unwrap(expression)
    return bounded(lambda: _evaluator(names, context).eval(body))


def evaluate_compiled(source: str, names: dict[str, Any], context: FunctionContext, extra_functions: dict[str,
                      Any]) -> Any:
    """Evaluate text compiled for the evaluator (FEEL, feel.py) with the allow-list and `extra_functions`."""
    evaluator = BoundedEval(names=dict(names), functions={**context.functions(), **extra_functions})
    return bounded(lambda: evaluator.eval(source))


def evaluate_time(expression: str, names: dict[str, Any], context: FunctionContext) -> str:
    """Evaluate a timer or due-date expression to an ISO-8601 string."""
    if is_iso_literal(expression):
        return expression.strip()
    value = evaluate(expression, names, context)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise ExpressionError(f"时间表达式须得到日期或ISO-8601文本，得到 {value!r}")


def to_storable(value: Any) -> Any:
    """Return `value` in a JSON-storable form (dates as ISO-8601 strings)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_storable(v) for v in value]
    return value


def expression_problem(expression: str) -> str | None:
    """Return why an expression is unacceptable at deploy time, or None."""
    if is_iso_literal(expression):
        return None
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return f"表达式超过 {MAX_EXPRESSION_LENGTH} 字符上限"
    try:
        tree = parse_source(unwrap(expression), "eval")
    except SyntaxError as err:
        return f"表达式语法错误：{err.msg}"
    except (ValueError, RecursionError, MemoryError) as err:
        return f"表达式无法解析：{type(err).__name__}"
    return tree_problem(tree)


def tree_problem(tree: ast.AST, extra_functions: frozenset[str] = frozenset()) -> str | None:
    """Return the first forbidden construct in a parsed expression or script (`extra_functions`: what compiled
    FEEL may call besides the allow-list)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return "不允许导入模块"
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return f"不允许访问属性 {node.attr}"
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            return f"不允许使用名称 {node.id}"
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                             ast.Global, ast.Nonlocal, ast.Await, ast.Yield, ast.YieldFrom)):
            return f"不允许的语法：{type(node).__name__}"
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTION_NAMES | extra_functions:
                return f"不允许调用函数：{ast.unparse(node.func)}"
    return None
