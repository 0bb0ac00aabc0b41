"""simpleeval with bounded work: every evaluation has a node budget, a time limit and size limits.

The allow-list decides *what* an expression may do; these limits decide *how much*: no
number beyond MAX_INT_BITS, no string or list beyond MAX_LENGTH, no nested value beyond
MAX_DEEP_SIZE, no call of anything but a named allow-listed function, and no evaluation
longer than MAX_SECONDS or MAX_NODES steps. `step_budget` bounds the engine steps of a command.
"""

import ast
import math
import operator
import re
import threading
import time
from functools import lru_cache

from simpleeval import (
    DEFAULT_OPERATORS,
    EvalWithCompoundTypes,
    FeatureNotAvailable,
    InvalidExpression,
    IterableTooLong,
    NumberTooHigh,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

MAX_INT_BITS = 4096
MAX_LENGTH = 100_000
MAX_NODES = 50_000
MAX_SECONDS = 0.5
MAX_DEEP_SIZE = 1_000_000  # nested elements plus characters of one value
_WIDE_FORMAT = re.compile(r"\d{5,}|\*")


_PARSE_LOCK = threading.Lock()


@lru_cache(maxsize=4096)
def parse_source(source: str, mode: str = "eval") -> ast.AST:
    """Parse once per distinct source, one thread at a time.

    CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion depth mismatch"
    under concurrent parses); expressions repeat, so the cache also saves the parsing.
    """
    with _PARSE_LOCK:
        return ast.parse(source, mode=mode)


class EvaluationBudgetExceeded(NumberTooHigh):
    """An evaluation took too many steps or too long."""


def _check_int(value):
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise NumberTooHigh(f"数值超过 {MAX_INT_BITS} 位上限")
    return value


def _check_length(value):
    if isinstance(value, (str, bytes, list, tuple, dict, set)) and len(value) > MAX_LENGTH:
        raise IterableTooLong(f"结果长度超过 {MAX_LENGTH} 上限")
    return value


def _check_deep(value, limit: int = MAX_DEEP_SIZE):
    """Refuse a value whose nested elements and characters add up past `limit` (shared sub-lists count each time)."""
    try:
        size = _size(value, {}, limit)
    except RecursionError:
        size = limit + 1
    if size > limit:
        raise IterableTooLong(f"结果总大小超过 {limit} 上限")
    return value


def _size(value, seen: dict, limit: int) -> int:
    """Elements plus characters of `value`; each distinct container is measured once (`seen`)."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, set, frozenset, dict)):
        return 1
    if id(value) not in seen:
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        total = 1
        for item in items:
            total += _size(item, seen, limit)
            if total > limit:
                break
        seen[id(value)] = total
    return seen[id(value)]


def _safe_str(value="") -> str:
    return str(_check_deep(value))


def _power(a, b):
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0 \
            and b * math.log2(abs(a)) > MAX_INT_BITS:
        raise NumberTooHigh(f"{a} ** {b} 超过 {MAX_INT_BITS} 位上限")
    if isinstance(b, (int, float)) and abs(b) > MAX_INT_BITS:
        raise NumberTooHigh(f"指数 {b} 过大")
    return _check_int(a ** b)


def _mult(a, b):
    for seq, count in ((a, b), (b, a)):
        if hasattr(seq, "__len__") and isinstance(count, int) and count * len(seq) > MAX_LENGTH:
            raise IterableTooLong(f"结果长度超过 {MAX_LENGTH} 上限")
    result = _check_int(a * b)
    return _check_deep(result) if isinstance(result, (list, tuple)) else result


def _shift(a, b):
    if isinstance(b, int) and b > MAX_INT_BITS:
        raise NumberTooHigh(f"移位 {b} 过大")
    return _check_int(a << b)


def _mod(a, b):
    if isinstance(a, str) and _WIDE_FORMAT.search(a):
        raise IterableTooLong("格式宽度过大")
    return _check_length(a % b)


OPERATORS = {**DEFAULT_OPERATORS, ast.Pow: _power, ast.Mult: _mult, ast.LShift: _shift, ast.Mod: _mod,
             ast.Add: lambda a, b: _check_length(_check_int(operator.add(a, b)))}


class BoundedEval(EvalWithCompoundTypes):
    """EvalWithCompoundTypes that counts its steps, watches the clock and calls only named functions."""

    def __init__(self, names: dict, functions: dict):
        functions = {**functions, "str": _safe_str} if "str" in functions else functions
        super().__init__(operators=OPERATORS, names=names, functions=functions)
        self._steps = 0
        self._deadline = time.monotonic() + MAX_SECONDS

    def eval(self, expr, previously_parsed=None):
        return _check_deep(super().eval(expr, previously_parsed))

    def parse(self, expr):
        body = parse_source(expr.strip(), "exec").body
        if len(body) != 1:
            raise InvalidExpression("表达式必须恰好是一条语句")
        return body[0]

    def _eval(self, node):
        self._steps += 1
        if self._steps > MAX_NODES or (self._steps % 256 == 0 and time.monotonic() > self._deadline):
            raise EvaluationBudgetExceeded(f"表达式求值超过上限（{MAX_NODES} 步或 {MAX_SECONDS} 秒）")
        return _check_length(super()._eval(node))

    def _eval_call(self, node):
        if not isinstance(node.func, ast.Name):
            raise FeatureNotAvailable(f"不允许调用函数：{ast.unparse(node.func)}")
        return super()._eval_call(node)

    def _eval_formattedvalue(self, node):
        if node.format_spec is not None and _WIDE_FORMAT.search(ast.unparse(node.format_spec)):
            raise IterableTooLong("格式宽度过大")
        return super()._eval_formattedvalue(node)


def step_budget(limit: int):
    """Return a will_complete_task callback that stops a command after `limit` engine steps."""
    steps = [0]

    def count(task) -> None:
        steps[0] += 1
        if steps[0] > limit:
            raise WorkflowTaskException(f"一次操作执行的引擎步骤超过 {limit} 步（疑似无限循环）", task=task)

    return count
