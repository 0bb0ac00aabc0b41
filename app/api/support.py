"""Small helpers every resource shares: the runtime, the acting user, the JSON body, dates."""

from datetime import datetime
from functools import cache

from flask import g, request
from marshmallow import Schema

from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ
from app.domain.errors import ValidationFailed
from app.domain.strict_json import JsonRefused, strict_loads
from app.extensions import runtime  # noqa: F401 (the resources import it from here)


def actor() -> Actor:
    return g.actor


@cache
def _schema(cls: type[Schema]) -> Schema:
    """One instance per schema class: building one deep-copies its fields, and loading does not change it."""
    return cls()


def _loader(schema: Schema | type[Schema]) -> Schema:
    return schema if isinstance(schema, Schema) else _schema(schema)


def body(schema: Schema | type[Schema]) -> dict:
    """Parse the JSON body with `schema`; malformed JSON is a 400 naming the body."""
    raw = request.get_data()
    if not raw:
        data = {}
    elif not request.is_json:
        raise ValidationFailed("请求体不是有效的 JSON", field="body")
    else:
        try:
            data = strict_loads(raw)
        except JsonRefused as err:
            raise ValidationFailed(str(err), field=err.field) from err
        except ValueError as err:
            raise ValidationFailed("请求体不是有效的 JSON", field="body") from err
    if not isinstance(data, dict):
        raise ValidationFailed("请求体须为 JSON 对象", field="body")
    return _loader(schema).load(data)


def args(schema: Schema | type[Schema]) -> dict:
    return _loader(schema).load(request.args.to_dict())


def camunda_date(value: datetime | None) -> str | None:
    """Format as Camunda does: 2026-09-28T10:00:00.000+0800."""
    if value is None:
        return None
    text = value.astimezone(CHINA_TZ).isoformat(timespec="milliseconds")  # ...000+08:00
    return text[:-3] + text[-2:]

