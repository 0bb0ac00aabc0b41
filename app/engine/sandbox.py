"""simpleeval with bounded work: every evaluation has a step budget, a CPU deadline and size limits.

The allow-list decides *what* an expression may do; these limits decide *how much*: no
number beyond MAX_INT_BITS, no string or list beyond MAX_LENGTH, no nested value beyond
MAX_DEEP_SIZE, no more than MAX_BUILT characters and elements built in one evaluation (a script
counts as one), no call of anything but a named allow-listed function, no evaluation longer than
MAX_NODES steps or MAX_SECONDS of CPU (interrupted wherever it is: watchdog.py). A value is
measured *before* it is turned into text (`str(x)`, `f"{x}"`, `"%s" % x`) or joined (`a + b`), so
no string is built past the limits first. `step_budget` bounds the engine steps of a command.
"""

import ast
import math
import operator
import re
import threading
from functools import lru_cache
from typing import Any

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
MAX_BUILT = 2_000_000  # characters and elements of every value one evaluation (or script) builds
MAX_ROUND_DIGITS = 1000
_WIDE_FORMAT = re.compile(r"\d{5,}|\*")


_PARSE_LOCK = threading.Lock()


@lru_cache(maxsize=4096)
def parse_source(source: str, mode: str = "eval") -> Any:  # an ast.Expression, or an ast.Module for "exec"
    """Parse once per distinct source, one thread at a time.

    CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion depth mismatch"
    under concurrent parses); expressions repeat, so the cache also saves the parsing.
    """
    with _PARSE_LOCK:
        return ast.parse(source, mode=mode)


class EvaluationBudgetExceeded(NumberTooHigh):  # type: ignore[misc]  # an untyped base class
    """An evaluation took too many steps, too much CPU or built too much."""


def deadline_exceeded() -> EvaluationBudgetExceeded:
    return EvaluationBudgetExceeded(f"表达式求值超过 {MAX_SECONDS} 秒 CPU 时间上限")


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise NumberTooHigh(f"数值超过 {MAX_INT_BITS} 位上限")
    return value


def _check_length(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple, dict, set)) and len(value) > MAX_LENGTH:
        raise IterableTooLong(f"结果长度超过 {MAX_LENGTH} 上限")
    return value


def _check_deep(value: Any, limit: int = MAX_DEEP_SIZE) -> Any:
    """Refuse a value whose nested elements and characters add up past `limit` (shared sub-lists count each time)."""
    if deep_size(value, limit) > limit:
        raise IterableTooLong(f"结果总大小超过 {limit} 上限")
    return value


def _size(value: Any, seen: dict[int, int], limit: int) -> int:
    """Elements plus characters of `value`; each distinct container is measured once (`seen`)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return 1 + value.bit_length() * 3 // 10  # its decimal digits: what str() of it takes
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


def deep_size(value: Any, limit: int) -> int:
    """Elements, characters and digits of `value`, counted up to about `limit`."""
    try:
        return _size(value, {}, limit)
    except RecursionError:
        return limit + 1


def _check_printable(value: Any) -> Any:
    """Refuse a value whose text would pass MAX_LENGTH, before that text is built.

    The measure counts characters, digits and elements, so the text str() or repr() makes of a value that
    passes is at most a few times MAX_LENGTH (quotes, separators, escapes) and is then checked exactly.
    """
    try:
        _check_deep(value, MAX_LENGTH)
    except IterableTooLong:
        raise IterableTooLong(f"转为文本后将超过 {MAX_LENGTH} 字符上限") from None
    return value


def _safe_str(value: Any = "") -> str:
    text: str = _check_length(str(_check_printable(value)))
    return text


def _safe_sum(values: Any, start: Any = 0) -> Any:
    """sum() of numbers only: adding lists or tuples copies them again at every item (quadratic)."""
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise TypeError("sum 只能对数字求和")
    return _check_int(sum(values, start))


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is not None and (not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS):
        raise NumberTooHigh(f"round 的位数须为 ±{MAX_ROUND_DIGITS} 以内的整数")  # round(5, -10**8) builds 10**10**8
    return round(number, ndigits)


BOUNDED_FUNCTIONS = {"str": _safe_str, "sum": _safe_sum, "round": _safe_round}


def _power(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0 \
            and b * math.log2(abs(a)) > MAX_INT_BITS:
        raise NumberTooHigh(f"{a} ** {b} 超过 {MAX_INT_BITS} 位上限")
    if isinstance(b, (int, float)) and abs(b) > MAX_INT_BITS:
        raise NumberTooHigh(f"指数 {b} 过大")
    return _check_int(a ** b)


def _mult(a: Any, b: Any) -> Any:
    for seq, count in ((a, b), (b, a)):
        if hasattr(seq, "__len__") and isinstance(count, int) and count * len(seq) > MAX_LENGTH:
            raise IterableTooLong(f"结果长度超过 {MAX_LENGTH} 上限")
    result = _check_int(a * b)
    return _check_deep(result) if isinstance(result, (list, tuple)) else result


def _shift(a: Any, b: Any) -> Any:
    if isinstance(b, int) and b > MAX_INT_BITS:
        raise NumberTooHigh(f"移位 {b} 过大")
    return _check_int(a << b)


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        if _WIDE_FORMAT.search(a):
            raise IterableTooLong("格式宽度过大")
        _check_printable([a, b])
    return _check_length(a % b)


def _add(a: Any, b: Any) -> Any:
    if hasattr(a, "__len__") and hasattr(b, "__len__") and len(a) + len(b) > MAX_LENGTH:
        raise IterableTooLong(f"结果长度超过 {MAX_LENGTH} 上限")
    return _check_int(operator.add(a, b))


OPERATORS = {**DEFAULT_OPERATORS, ast.Pow: _power, ast.Mult: _mult, ast.LShift: _shift, ast.Mod: _mod,
             ast.Add: _add}
# nodes whose result is a new value (not a name, a literal or an item of one): what an evaluation builds
_BUILDING = (ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Call, ast.ListComp, ast.GeneratorExp, ast.DictComp,
             ast.SetComp, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Subscript)


class BoundedEval(EvalWithCompoundTypes):  # type: ignore[misc]  # an untyped base class
    """EvalWithCompoundTypes that counts its steps and what it builds, and calls only named functions."""

    def __init__(self, names: dict[str, Any], functions: dict[str, Any]) -> None:
        functions = {**functions, **{k: v for k, v in BOUNDED_FUNCTIONS.items() if k in functions}}
        super().__init__(operators=OPERATORS, names=names, functions=functions)
        self._steps = 0
        self.built = 0

    def eval(self, expr: Any, previously_parsed: Any = None) -> Any:
        return _check_deep(super().eval(expr, previously_parsed))

    def parse(self, expr: Any) -> Any:
        body = parse_source(expr.strip(), "exec").body
        if len(body) != 1:
            raise InvalidExpression("表达式必须恰好是一条语句")
        return body[0]

    def _eval(self, node: Any) -> Any:
        self._steps += 1
        if self._steps > MAX_NODES:
            raise EvaluationBudgetExceeded(f"表达式求值超过 {MAX_NODES} 步上限")
        result = _check_length(super()._eval(node))
        if isinstance(node, _BUILDING) and hasattr(result, "__len__"):
            self.charge(len(result))
        return result

    def charge(self, size: int) -> None:
        """Count `size` characters or elements as built by this evaluation; refuse past MAX_BUILT."""
        self.built += size
        if self.built > MAX_BUILT:
            raise IterableTooLong(f"一次求值构造的数据超过 {MAX_BUILT} 个字符或元素上限")

    def _eval_call(self, node: Any) -> Any:
        if not isinstance(node.func, ast.Name):
            raise FeatureNotAvailable(f"不允许调用函数：{ast.unparse(node.func)}")
        return super()._eval_call(node)

    def _eval_formattedvalue(self, node: Any) -> Any:
        if node.format_spec is not None and _WIDE_FORMAT.search(ast.unparse(node.format_spec)):
            raise IterableTooLong("格式宽度过大")
        value = _check_printable(self._eval(node.value))
        if node.format_spec is None:
            return _safe_str(value)
        return _check_length(("{:" + self._eval(node.format_spec) + "}").format(value))


def step_budget(limit: int) -> Any:
    """Return a will_complete_task callback that stops a command after `limit` engine steps."""
    steps = [0]

    def count(task: Any) -> None:
        steps[0] += 1
        if steps[0] > limit:
            raise WorkflowTaskException(f"一次操作执行的引擎步骤超过 {limit} 步（疑似无限循环）", task=task)

    return count
