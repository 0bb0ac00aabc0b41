"""Small helpers every resource shares: the runtime, the acting user, the JSON body, dates."""

from datetime import datetime
from functools import cache

from flask import Response, current_app, g, request
from marshmallow import Schema

from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ
from app.domain.errors import ValidationFailed
from app.domain.strict_json import JsonRefused, strict_loads
from app.extensions import runtime  # noqa: F401 (the resources import it from here)

from .fields import UNKNOWN

_TAKES_ARGS: set = set()  # the engine API's views that read a query string (each refuses what it does not know)


def takes_args(view):
    """Mark a view that parses its query string itself; every other engine API view refuses any parameter."""
    _TAKES_ARGS.add(view)
    return view


def accepts(body: type[Schema] | None = None, query: type[Schema] | None = None):
    """Declare the JSON body and query string a view reads (`body()` / `args()` parse them; the OpenAPI
    document shows them); a view that declares no query string refuses every parameter."""

    def mark(view):
        view.body_schema, view.query_schema = body, query
        return takes_args(view) if query is not None else view

    return mark


def _declared(kind: str) -> type[Schema]:
    return getattr(current_app.view_functions[request.endpoint], kind)


def refuse_unread_args() -> None:
    """A query parameter sent to an endpoint that reads none is refused, naming it (never silently ignored)."""
    view = current_app.view_functions.get(request.endpoint)
    if request.args and view is not None and view not in _TAKES_ARGS:
        name = next(iter(request.args))
        raise ValidationFailed(f"{name}: {UNKNOWN}", field=name)


def refuse_nul_text() -> None:
    """A path or query parameter, a form field or a file's name holding U+0000 is refused naming it: PostgreSQL can
    neither store nor compare such a text (a JSON body's are refused as it is read, app/domain/strict_json.py)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise ValidationFailed(f"{name}: 含有 NUL 字符（U+0000）", field=name)
    form = request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded")
    fields = [*request.args.items(multi=True), *(request.form.items(multi=True) if form else ()),
              *((name, part.filename or "") for name, part in (request.files.items(multi=True) if form else ()))]
    for name, value in fields:
        if "\x00" in name or "\x00" in value:
            raise ValidationFailed(f"{name}: 含有 NUL 字符（U+0000）", field=name)


def actor() -> Actor:
    return g.actor


@cache
def _schema(cls: type[Schema]) -> Schema:
    """One instance per schema class: building one deep-copies its fields, and loading does not change it."""
    return cls()


def _loader(schema: Schema | type[Schema]) -> Schema:
    return schema if isinstance(schema, Schema) else _schema(schema)


def json_object() -> dict:
    """The JSON body as an object ({} when there is none), parsed strictly; malformed JSON is a 400 naming it."""
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
    return data


def body(schema: Schema | type[Schema] | None = None) -> dict:
    """Parse the JSON body with `schema`, by default the one the view declares with `accepts`."""
    return _loader(schema or _declared("body_schema")).load(json_object())


def args(schema: Schema | type[Schema] | None = None) -> dict:
    """Parse the query string with `schema`, by default the one the view declares with `accepts`."""
    return _loader(schema or _declared("query_schema")).load(request.args.to_dict())


def camunda_date(value: datetime | None) -> str | None:
    """Format as Camunda does: 2026-09-28T10:00:00.000+0800."""
    if value is None:
        return None
    text = value.astimezone(CHINA_TZ).isoformat(timespec="milliseconds")  # ...000+08:00
    return text[:-3] + text[-2:]


def paged(query, params: dict):
    first, limit = params.get("firstResult") or 0, params.get("maxResults")
    query = query.offset(first)
    return query.limit(limit) if limit is not None else query


def binary_response(data: bytes, declared: dict) -> Response:
    """A Bytes or File variable's content, as Camunda serves …/data: its MIME type and file name."""
    info = declared.get("valueInfo") or {}
    response = Response(data, mimetype=info.get("mimeType") or "application/octet-stream")
    if info.get("filename"):
        response.headers.set("Content-Disposition", "attachment", filename=info["filename"])
    return response
