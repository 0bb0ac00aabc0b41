"""Camunda typed variables: {"name": {"value": 1, "type": "Integer", "valueInfo": {}}} in and out.

A value's JSON says whether it is a string, number, boolean, object or list; what it cannot say —
Date, Short, Long, Object (JSON serialization), Bytes, File — is kept per case as the variable's
declared type, so a value comes back with the type it was given. Bytes and File contents are kept
apart, by their sha256 (the case holds a reference); Java-serialized objects and XML are refused.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field

from flask import request

from app.domain.clock import CHINA_TZ
from app.domain.errors import ValidationFailed
from app.domain.strict_json import JsonRefused, strict_loads
from app.services.commands import Typed
from app.services.contents import content_of, content_reference

from .fields import parse_camunda_date
from .support import runtime

_INTS = {"integer": 2**31, "short": 2**15, "long": 2**63}
_NAMES = {"string": "String", "integer": "Integer", "short": "Short", "long": "Long", "double": "Double",
          "boolean": "Boolean", "null": "Null", "date": "Date", "json": "Json", "object": "Object",
          "bytes": "Bytes", "file": "File"}
JSON_FORMAT = "application/json"


@dataclass
class Parsed:
    """Plain values for the engine, the declared type of each (None where the value's JSON says it), contents."""

    values: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    contents: list[bytes] = field(default_factory=list)

    @property
    def typed(self) -> Typed:
        return Typed(self.types, tuple(self.contents))


def from_camunda(variables, field_name: str = "variables") -> dict:
    """Read typed variables into plain values (to compare with, not to store), naming the first bad one."""
    return parse(variables, field_name).values


def parse(variables, field_name: str = "variables") -> Parsed:
    """Read typed variables: values, declared types, and the contents the command will store."""
    parsed = Parsed()
    if variables is None:
        return parsed
    if not isinstance(variables, dict):
        raise ValidationFailed(f"{field_name} 须为对象", field=field_name)
    for name, typed in variables.items():
        value, declared = _value(name, typed, f"{field_name}.{name}", parsed.contents)
        parsed.values[name], parsed.types[name] = value, declared
    return parsed


def _value(name: str, typed, where: str, contents: list[bytes]):
    if not isinstance(typed, dict):
        raise ValidationFailed(f"变量 {name} 须为 {{\"value\": …, \"type\": …}}", field=where)
    if not isinstance(typed.get("type"), (str, type(None))):
        raise ValidationFailed(f"变量 {name} 的类型须为类型名", field=f"{where}.type")
    if "value" not in typed and (typed.get("type") or "").lower() != "null":
        raise ValidationFailed(f"变量 {name} 须为 {{\"value\": …, \"type\": …}}", field=where)
    value, info = typed.get("value"), typed.get("valueInfo") or {}
    kind = (typed.get("type") or _infer(value)).lower()
    if not isinstance(info, dict):
        raise ValidationFailed(f"变量 {name} 的 valueInfo 须为对象", field=f"{where}.valueInfo")
    if kind not in _NAMES:
        raise ValidationFailed(f"变量 {name} 的类型 {typed.get('type')} 不受支持", field=f"{where}.type")
    if value is None:
        return None, None
    reader = _READERS.get(kind, _plain)
    return reader(name, kind, value, info, where, contents)


def _mismatch(name: str, kind: str, where: str) -> ValidationFailed:
    return ValidationFailed(f"变量 {name} 的值与类型 {_NAMES[kind]} 不符", field=where)


def _plain(name, kind, value, info, where, contents):
    checks = {"string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
              "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
    if kind in _INTS:
        if isinstance(value, bool) or not isinstance(value, int) or not -_INTS[kind] <= value < _INTS[kind]:
            raise _mismatch(name, kind, where)
        return value, (None if kind == "integer" else {"type": _NAMES[kind]})
    if kind == "null" or not checks[kind](value):
        raise _mismatch(name, kind, where)
    return value, None


def _date(name, kind, value, info, where, contents):
    try:
        moment = parse_camunda_date(value)
    except Exception as err:
        raise ValidationFailed(f"变量 {name} 须为日期 yyyy-MM-dd'T'HH:mm:ss.SSSZ", field=where) from err
    text = moment.astimezone(CHINA_TZ).isoformat(timespec="milliseconds")
    return text[:-3] + text[-2:], {"type": "Date"}


def _json(name, kind, value, info, where, contents):
    if not isinstance(value, str):
        return value, None
    try:
        return strict_loads(value, f"{where}.value"), None
    except JsonRefused as err:
        raise ValidationFailed(f"变量 {name}：{err}", field=err.field) from err
    except ValueError as err:
        raise ValidationFailed(f"变量 {name} 不是有效的 JSON", field=where) from err


def _object(name, kind, value, info, where, contents):
    fmt = info.get("serializationDataFormat") or JSON_FORMAT
    if fmt != JSON_FORMAT:
        raise ValidationFailed(f"变量 {name}：只接受 JSON 序列化的对象（serializationDataFormat {JSON_FORMAT}），"
                               f"不接受 {fmt}（Java 序列化对象在此服务中无法还原）",
                               field=f"{where}.valueInfo.serializationDataFormat")
    plain, _ = _json(name, kind, value, info, where, contents)
    return plain, {"type": "Object", "valueInfo": {"objectTypeName": info.get("objectTypeName"),
                                                   "serializationDataFormat": JSON_FORMAT}}


def _binary(name, kind, value, info, where, contents):
    if not isinstance(value, str):
        raise ValidationFailed(f"变量 {name} 须为 Base64 编码的内容", field=where)
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValidationFailed(f"变量 {name} 须为 Base64 编码的内容", field=where) from err
    if kind == "file" and not info.get("filename"):
        raise ValidationFailed(f"文件变量 {name} 须在 valueInfo 中给出 filename", field=f"{where}.valueInfo.filename")
    contents.append(data)
    kept = {k: info.get(k) for k in ("filename", "mimeType", "encoding")} if kind == "file" else {}
    return content_reference(data), {"type": _NAMES[kind], "valueInfo": kept}


_READERS = {"date": _date, "json": _json, "object": _object, "bytes": _binary, "file": _binary}


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


def to_camunda(variables: dict, types: dict | None = None, deserialize: bool = True) -> dict:
    """Write plain values as Camunda typed variables, each with the type it was declared with."""
    return {name: typed_value(value, (types or {}).get(name), deserialize) for name, value in variables.items()}


def typed_value(value, declared: dict | None, deserialize: bool = True) -> dict:
    kind = declared.get("type") if declared and _fits(value, declared) else _infer(value)
    info = dict(declared.get("valueInfo") or {}) if declared and kind == declared.get("type") else {}
    if kind == "Json":
        value = json.dumps(value, ensure_ascii=False)
    elif kind == "Object" and not deserialize:
        value = json.dumps(value, ensure_ascii=False)
    elif kind == "File":
        value = None  # as Camunda: the content is fetched from …/data, not sent inside every list
    elif kind == "Bytes":
        value = base64.b64encode(content_of(runtime(), value["sha256"])).decode()
    return {"value": value, "type": kind, "valueInfo": info}


def _fits(value, declared: dict) -> bool:
    """A declared type still describes the value (a script may since have set another kind of value)."""
    kind = declared.get("type")
    if kind in ("Bytes", "File"):
        return isinstance(value, dict) and "sha256" in value
    if kind == "Date":
        return isinstance(value, str)
    if kind in ("Short", "Long"):
        return isinstance(value, int) and not isinstance(value, bool)
    return kind == "Object"


def uploaded_variable() -> dict:
    """A Bytes or File variable sent as multipart form data (`data` file, `valueType`), as a typed variable."""
    upload = request.files.get("data")
    if upload is None:
        raise ValidationFailed("须以 multipart 表单上传文件 data", field="data")
    kind = request.form.get("valueType") or "File"
    if kind not in ("Bytes", "File"):
        raise ValidationFailed("valueType 须为 Bytes 或 File", field="valueType")
    info = {"filename": upload.filename or "data", "mimeType": upload.mimetype} if kind == "File" else {}
    return {"value": base64.b64encode(upload.read()).decode(), "type": kind, "valueInfo": info}
