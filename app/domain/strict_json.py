"""JSON as the service accepts it: what every database and JSON reader can store and read back.

Python's json reads `NaN`, `Infinity`, `1e999`, `"\\ud800"` (a lone surrogate) and `"\\u0000"` (NUL), which
PostgreSQL (its text, jsonb), SQLite's JSON functions or UTF-8 cannot hold, and raises RecursionError (not
ValueError) on deep nesting.
Each is refused here as a ValueError naming where in the document it stands.
"""

import json
import math
from typing import Any

MAX_DEPTH = 64


class JsonRefused(ValueError):
    """A JSON document the service does not accept; `field` is the path of the offending value."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefused(f"数值 {text[:20]} 超出范围", "body")
    return value


def _constant(text: str) -> None:
    raise JsonRefused(f"JSON 不允许 {text}", "body")


def strict_loads(text: str | bytes, field: str = "") -> Any:
    """Parse `text`, refusing NaN and infinities, lone surrogates and nesting deeper than MAX_DEPTH.

    `field` is where the document stands (a variable's path; "" for a request body): an error names the path of
    the value at fault beneath it, e.g. `variables.a.value`.
    """
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_number)
    except RecursionError:
        raise JsonRefused(f"JSON 嵌套超过 {MAX_DEPTH} 层", field or "body") from None
    except JsonRefused as err:
        raise JsonRefused(str(err), field or "body") from None
    check_storable(value, field)
    return value


def check_storable(value: Any, field: str = "", depth: int = 0) -> None:
    """Refuse a parsed value whose nesting passes MAX_DEPTH or whose text is not valid Unicode."""
    if depth > MAX_DEPTH:
        raise JsonRefused(f"JSON 嵌套超过 {MAX_DEPTH} 层", field or "body")
    if isinstance(value, str):
        _check_text(value, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{field}.{key}" if field else str(key)
            _check_text(key, path)
            check_storable(item, path, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_storable(item, field, depth + 1)


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:  # PostgreSQL can neither store nor compare a text holding U+0000
        raise JsonRefused("文本含有 NUL 字符（U+0000），无法保存或比较", field or "body")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefused("文本含有无效的 Unicode 字符（孤立的代理项）", field or "body") from None
