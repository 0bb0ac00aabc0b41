"""Camunda typed variables: {"name": {"value": 1, "type": "Integer"}} in and out."""

import json
from datetime import datetime

from app.domain.errors import ValidationFailed
from app.domain.strict_json import JsonRefused, strict_loads

_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and -2**31 <= v < 2**31,
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "short": lambda v: isinstance(v, int) and not isinstance(v, bool) and -2**15 <= v < 2**15,
    "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def from_camunda(variables, field: str = "variables") -> dict:
    """Read typed variables into plain values, naming the first bad one."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationFailed(f"{field} 须为对象", field=field)
    return {name: _value(name, typed, field) for name, typed in variables.items()}


def _value(name: str, typed, field: str):
    where = f"{field}.{name}"
    if not isinstance(typed, dict) or "value" not in typed and (typed or {}).get("type", "").lower() != "null":
        raise ValidationFailed(f"变量 {name} 须为 {{\"value\": …, \"type\": …}}", field=where)
    value, kind = typed.get("value"), (typed.get("type") or _infer(typed.get("value"))).lower()
    if kind == "json":
        if not isinstance(value, str):
            return value
        try:
            return strict_loads(value, f"{where}.value")
        except JsonRefused as err:
            raise ValidationFailed(f"变量 {name}：{err}", field=err.field) from err
        except ValueError as err:
            raise ValidationFailed(f"变量 {name} 不是有效的 JSON", field=where) from err
    if kind == "date":
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as err:
            raise ValidationFailed(f"变量 {name} 不是有效的日期", field=where) from err
        return value
    check = _CHECKS.get(kind)
    if check is None:
        raise ValidationFailed(f"变量 {name} 的类型 {typed.get('type')} 不受支持", field=where)
    if value is not None and not check(value):
        raise ValidationFailed(f"变量 {name} 的值与类型 {typed.get('type')} 不符", field=where)
    return value


def _infer(value) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer" if -2**31 <= value < 2**31 else "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, (dict, list)):
        return "Json"
    return "String"


def to_camunda(variables: dict) -> dict:
    """Write plain values as Camunda typed variables."""
    out = {}
    for name, value in variables.items():
        kind = _infer(value)
        out[name] = {"value": json.dumps(value, ensure_ascii=False) if kind == "Json" else value,
                     "type": kind, "valueInfo": {}}
    return out
