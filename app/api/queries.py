"""Camunda's list endpoints: GET and POST queries, their counts, sorting and paging, from one table per list.

Each list's parameters come from `app.services.lists` (the filters it honours); a parameter not
there is refused with a 400 naming it, as is a `sortBy` value the list cannot sort by.
"""

import re
from collections.abc import Callable
from functools import cache
from types import MappingProxyType

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.domain.kept import Kept
from app.services.lists import ListQuery, count_rows, list_rows, parameters, sort_keys

from .fields import SOME_VALUES, CamundaBoolean, CamundaDateTime, CommaList, Comparisons, StrictSchema
from .support import actor, json_object, runtime, takes_args


class PageArgs(StrictSchema):
    firstResult = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    maxResults = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10000))


def strings(post: bool) -> fields.Field:
    """A list parameter: a comma list (GET) or an array (POST), of at least one value."""
    return (fields.List(fields.String(), allow_none=True, validate=SOME_VALUES) if post
            else CommaList(validate=SOME_VALUES))


def _field(kind: str, post: bool) -> fields.Field:
    if kind == "strings":
        return strings(post)
    if kind == "integer":  # the columns compared (priorities, versions, counts) are 32-bit: a larger number is refused
        return fields.Integer(allow_none=post, validate=validate.Range(min=-2**31, max=2**31 - 1))
    return {"string": fields.String, "boolean": CamundaBoolean,
            "datetime": CamundaDateTime, "comparisons": Comparisons}[kind](allow_none=post)


def _title(name: str) -> str:
    """`history/process-instance` -> `HistoryProcessInstance` (a component name of the OpenAPI document)."""
    return "".join(part.title() for part in re.split(r"[/-]", name))


def _sort_fields(name: str, required: bool) -> dict:
    return {"sortBy": fields.String(required=required, validate=validate.OneOf(sort_keys(name))),
            "sortOrder": fields.String(required=required, validate=validate.OneOf(["asc", "desc"]))}


@cache
def _sorting(name: str) -> type[Schema]:
    return StrictSchema.from_dict(_sort_fields(name, required=True), name=f"{_title(name)}Sorting")


class _GetQuery(PageArgs):
    @validates_schema
    def _both(self, data, **kwargs):
        if ("sortBy" in data) != ("sortOrder" in data):
            missing = "sortOrder" if "sortBy" in data else "sortBy"
            raise ValidationError("sortBy 与 sortOrder 须同时给出", missing)


@cache
def get_schema(name: str, paged: bool = True) -> Schema:
    """The query string of `GET /{name}` (or, without paging, of `GET /{name}/count`)."""
    own = {key: _field(kind, post=False) for key, kind in parameters(name).items()}
    if paged:
        own.update(_sort_fields(name, required=False))
    base = _GetQuery if paged else StrictSchema
    return base.from_dict(own, name=f"{_title(name)}{'Query' if paged else 'CountQuery'}")()


@cache
def post_schema(name: str) -> Schema:
    """The JSON body of `POST /{name}` and `POST /{name}/count`."""
    own = {key: _field(kind, post=True) for key, kind in parameters(name).items()}
    own["sorting"] = fields.List(fields.Nested(_sorting(name)), allow_none=True)
    return StrictSchema.from_dict(own, name=f"{_title(name)}QueryBody")()


# GET queries parsed lately: a Tasklist client sends the same query string for its inbox all day
_parsed = Kept[tuple[str, bool, bytes], ListQuery](512)


def _query(name: str, post: bool, paged: bool) -> ListQuery:
    """The list query a request asks; a GET query string parsed before is not parsed again (its parse depends on
    nothing else, and a query string the schema refuses is never kept)."""
    if post:
        return _parse(name, post, paged)
    return _parsed.made((name, paged, request.query_string), lambda: _parse(name, post, paged))


def _parse(name: str, post: bool, paged: bool) -> ListQuery:
    if post:
        page = PageArgs().load(request.args.to_dict()) if paged else StrictSchema().load(request.args.to_dict())
        params = post_schema(name).load(json_object())
        sorting = tuple((s["sortBy"], s["sortOrder"]) for s in params.pop("sorting", None) or ())
    else:
        params = get_schema(name, paged).load(request.args.to_dict())
        page = {key: params.pop(key) for key in ("firstResult", "maxResults") if key in params}
        by, order = params.pop("sortBy", None), params.pop("sortOrder", None)
        sorting = ((by, order),) if by else ()
    params = MappingProxyType({key: value for key, value in params.items() if value is not None})
    return ListQuery(name, params, sorting, page.get("firstResult", 0), page.get("maxResults"))


# the path of each list under /engine-rest -> (its GET query schema, paged or for /count; its POST body schema)
LIST_ROUTES: dict[str, tuple[Callable[[bool], Schema], Callable[[], Schema]]] = {}


def is_query(method: str, path: str) -> bool:
    """A POST that only reads: a list's query (or count) sent in the body."""
    return method == "POST" and path.removesuffix("/count") in LIST_ROUTES


def register_list(bp: Blueprint, path: str, name: str, shape: Callable, post: bool = True,
                  by_page: bool = False) -> None:
    """Serve GET `path`, GET `path/count` and (with `post`) their POST query variants for list `name`; `shape`
    shapes each row, or with `by_page` the whole page (what its rows need looked up, looked up once)."""

    def rows():
        query = _query(name, request.method == "POST", paged=True)
        found = list_rows(runtime(), actor(), query)
        return jsonify(shape(found) if by_page else [shape(row) for row in found])

    def count():
        return jsonify({"count": count_rows(runtime(), actor(), _query(name, request.method == "POST", paged=False))})

    methods = ["GET", "POST"] if post else ["GET"]
    endpoint = name.replace("/", "_").replace("-", "_")
    LIST_ROUTES[f"{bp.url_prefix or ''}{path}"] = (lambda paged: get_schema(name, paged), lambda: post_schema(name))
    bp.add_url_rule(path, f"list_{endpoint}", takes_args(rows), methods=methods)
    bp.add_url_rule(f"{path}/count", f"count_{endpoint}", takes_args(count), methods=methods)
