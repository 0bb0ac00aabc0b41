"""FEEL as Camunda 7's decision tables use it, compiled once (at deploy) into the restricted expression language.

A unary test (an input entry) becomes a condition on `cellInput`: `"budget", "exceptional"` (one of), `[250..1000]`
and `]250..1000[` (ranges), `< 250`, `not("budget")`, `null`, `-` (anything), a plain value (equality, or membership
when it is a list), or an expression using `?`. An expression (an input expression or an output entry) becomes the
same expression in the service's language: `=` is equality, `date("…")` and `date and time("…")` are dates, `null`
is None. Comparisons go through `feel_*` functions that answer null (no match) when a side is null and compare an
ISO date text with a date, as FEEL compares typed values. The compiled text runs in the same bounded evaluator as
every other expression (sandbox.py): step budget, size limits, CPU deadline.

What FEEL has beyond this (`if`, `for`, `some`/`every`, `between`, `instance of`, function definitions, contexts)
is refused at deploy, naming the cell.
"""

import ast
import re
from datetime import date, datetime, time
from typing import Any

from .expressions import tree_problem

CELL_INPUT = "cellInput"


class FeelError(ValueError):
    """A FEEL text the service cannot compile; the message says what."""


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<range>\.\.)
  | (?P<op><=|>=|!=|\*\*|[-+*/<>=(),\[\]?.{}:])
  | (?P<name>[^\W\d]\w*)
""", re.X)
_UNSUPPORTED = {"if", "then", "else", "for", "some", "every", "satisfies", "between", "instance", "function",
                "return"}
_MULTIWORD = (("date", "and", "time"), ("years", "and", "months", "duration"), ("days", "and", "time", "duration"))
_FUNCTIONS = {"date": "feel_date", "date and time": "feel_date_time", "not": "not", "string": "str",
              "number": "float", "abs": "abs", "min": "min", "max": "max", "sum": "sum", "count": "len",
              "floor": "int"}


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FeelError(f"FEEL 无法识别的字符：{text[pos:pos + 10]}")
        pos = match.end()
        kind = match.lastgroup
        if kind != "space":
            found.append((kind or "", match.group()))
    return _join_multiword(found)


def _join_multiword(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    joined, i = [], 0
    while i < len(tokens):
        for words in _MULTIWORD:
            if tuple(value for _, value in tokens[i:i + len(words)]) == words:
                joined.append(("name", " ".join(words)))
                i += len(words)
                break
        else:
            joined.append(tokens[i])
            i += 1
    return joined


def _python(tokens: list[tuple[str, str]]) -> str:
    """The service-language text of a FEEL expression's tokens."""
    out = []
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if kind == "name" and value in _UNSUPPORTED:
            raise FeelError(f"FEEL 的 {value} 暂不支持")
        if kind == "name" and value in ("years and months duration", "days and time duration"):
            raise FeelError(f"FEEL 的 {value} 暂不支持")
        if kind == "string":
            out.append(repr(ast.literal_eval(value)))
        elif kind == "name" and value in ("true", "false", "null"):
            out.append({"true": "True", "false": "False", "null": "None"}[value])
        elif kind == "name" and following == "(" and value in _FUNCTIONS:
            out.append(_FUNCTIONS[value] if value != "not" else " not ")
        elif kind == "op" and value == "=":
            out.append("==")
        elif kind == "op" and value == "?":
            out.append(CELL_INPUT)
        elif kind == "range" or (kind == "op" and value in "{}:"):
            raise FeelError(f"FEEL 表达式中的 {value} 暂不支持（区间只用于输入条目）")
        else:
            out.append(value)
    return " ".join(out)


def compile_expression(text: str) -> str:
    """Return a FEEL expression (an input expression or output entry) in the service's expression language."""
    source = _python(_tokens(text.strip()))
    _check(source, text)
    return source


def compile_unary_tests(text: str) -> str | None:
    """Return a FEEL input entry as a condition on `cellInput`, or None for `-` (any value)."""
    text = text.strip()
    if text in ("", "-"):
        return None
    tokens = _tokens(text)
    negated = tokens[0] == ("name", "not") and len(tokens) > 2 and tokens[1][1] == "(" and tokens[-1][1] == ")" \
        and _closing(tokens, 1) == len(tokens) - 1
    inner = tokens[2:-1] if negated else tokens
    tests = " or ".join(f"({_positive(part)})" for part in _split_commas(inner))
    source = f"not ({tests})" if negated else tests
    _check(source, text)
    return source


def _closing(tokens: list[tuple[str, str]], start: int) -> int:
    """The index of the parenthesis that closes the one at `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        kind, value = tokens[index]
        depth += (kind, value) == ("op", "(")
        depth -= (kind, value) == ("op", ")")
        if depth == 0:
            return index
    return -1


def _split_commas(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Split unary tests at their top-level commas; a test opening with a bracket (a range such as `]1..5[`, or a
    list) runs to the bracket that closes it."""
    parts: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    inner, bracket = 0, False
    for kind, value in tokens:
        op = kind == "op"
        if op and value == "," and inner == 0 and not bracket:
            parts.append(current)
            current = []
            continue
        if op and not current and value in "[](":
            bracket = True
        elif bracket and op and inner == 0 and value in "[])" and (("range", "..") in current or value in "])"):
            bracket = False
        elif op and value in "([":
            inner += 1
        elif op and value in ")]":
            inner -= 1
        current.append((kind, value))
    parts.append(current)
    if any(not part for part in parts):
        raise FeelError("FEEL 输入条目中有空的测试")
    return parts


def _positive(tokens: list[tuple[str, str]]) -> str:
    first = tokens[0][1]
    if tokens[0][0] == "op" and first in ("<", "<=", ">", ">=", "!=", "="):
        operator = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "!=": "ne", "=": "eq"}[first]
        return f"feel_{operator}({CELL_INPUT}, {_python(tokens[1:])})"
    if _is_range(tokens):
        return _range(tokens)
    if tokens == [("name", "null")]:
        return f"{CELL_INPUT} is None"
    if any(value == "?" for kind, value in tokens if kind == "op"):
        return _python(tokens)
    return f"feel_matches({CELL_INPUT}, {_python(tokens)})"


def _is_range(tokens: list[tuple[str, str]]) -> bool:
    return tokens[0][1] in ("[", "]", "(") and tokens[-1][1] in ("[", "]", ")") \
        and ("range", "..") in tokens


def _range(tokens: list[tuple[str, str]]) -> str:
    cut = tokens.index(("range", ".."))
    low, high = _python(tokens[1:cut]), _python(tokens[cut + 1:-1])
    if not low or not high:
        raise FeelError("FEEL 区间须有上下限")
    low_op = "ge" if tokens[0][1] == "[" else "gt"
    high_op = "le" if tokens[-1][1] == "]" else "lt"
    return f"feel_{low_op}({CELL_INPUT}, {low}) and feel_{high_op}({CELL_INPUT}, {high})"


def _check(source: str, text: str) -> None:
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise FeelError(f"FEEL 语法错误：{text[:60]}") from err
    problem = tree_problem(tree, extra_functions=FEEL_FUNCTION_NAMES)
    if problem:
        raise FeelError(problem)


# -- what compiled FEEL calls ----------------------------------------------------------------------------------


def feel_date(text: str) -> date:
    return date.fromisoformat(text)


def feel_date_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _comparable(a: Any, b: Any) -> Any:
    """Compare an ISO text with a date or date-time as the date it names; a date with a date-time by its day."""
    if isinstance(a, str) and isinstance(b, (date, datetime, time)):
        a = _parse_like(a, b)
    if isinstance(b, str) and isinstance(a, (date, datetime, time)):
        b = _parse_like(b, a)
    if isinstance(a, datetime) != isinstance(b, datetime) and isinstance(a, date) and isinstance(b, date):
        a, b = (a.date() if isinstance(a, datetime) else a), (b.date() if isinstance(b, datetime) else b)
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def _parse_like(text: str, other: Any) -> Any:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment if isinstance(other, datetime) else moment.date()


def _compare(a: Any, b: Any, test: Any) -> bool | None:
    if a is None or b is None:
        return None
    a, b = _comparable(a, b)
    if isinstance(a, bool) != isinstance(b, bool) or isinstance(a, str) != isinstance(b, str):
        return None  # FEEL compares only values of one type: null, no match
    result: bool | None = test(a, b)
    return result


def feel_lt(a: Any, b: Any) -> Any:
    return _compare(a, b, lambda x, y: x < y)


def feel_le(a: Any, b: Any) -> Any:
    return _compare(a, b, lambda x, y: x <= y)


def feel_gt(a: Any, b: Any) -> Any:
    return _compare(a, b, lambda x, y: x > y)


def feel_ge(a: Any, b: Any) -> Any:
    return _compare(a, b, lambda x, y: x >= y)


def feel_eq(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return a is None and b is None
    a, b = _comparable(a, b)
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def feel_ne(a: Any, b: Any) -> bool:
    return not feel_eq(a, b)


def feel_matches(value: Any, test: Any) -> bool:
    """A unary test that is a plain value: equality, or membership when the value is a list."""
    if isinstance(test, (list, tuple)):
        return any(feel_eq(value, item) for item in test)
    equal: bool = feel_eq(value, test)
    return equal


FEEL_FUNCTIONS = {"feel_date": feel_date, "feel_date_time": feel_date_time, "feel_lt": feel_lt, "feel_le": feel_le,
                  "feel_gt": feel_gt, "feel_ge": feel_ge, "feel_eq": feel_eq, "feel_ne": feel_ne,
                  "feel_matches": feel_matches}
FEEL_FUNCTION_NAMES = frozenset(FEEL_FUNCTIONS) | {"str", "float", "abs", "min", "max", "sum", "len", "int"}
