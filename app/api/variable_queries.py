"""The query of Camunda's variable-instance lists (GET query string or POST body), with its paging and sorting."""

from functools import cache

from flask import request
from marshmallow import Schema, ValidationError, fields, validate

from app.services.variable_instances import SORT_BY

from .fields import CamundaBoolean, StrictSchema
from .queries import LIST_ROUTES, PageArgs, strings
from .schemas import Refused
from .support import json_object

_STRINGS = ("processInstanceIdIn", "executionIdIn", "activityInstanceIdIn", "taskIdIn", "caseExecutionIdIn",
            "caseActivityIdIn", "tenantIdIn", "variableNameIn", "variableTypeIn")
_TEXT = ("variableName", "variableNameLike", "processInstanceId", "processDefinitionId", "processDefinitionKey",
         "caseInstanceId")
_FLAGS = ("variableNamesIgnoreCase", "variableValuesIgnoreCase", "withoutTenantId")


def _sort_fields(required: bool) -> dict:
    return {"sortBy": fields.String(required=required, validate=validate.OneOf(SORT_BY)),
            "sortOrder": fields.String(required=required, validate=validate.OneOf(["asc", "desc"]))}


VariableInstanceSorting = StrictSchema.from_dict(_sort_fields(True), name="VariableInstanceSorting")


@cache
def _schema(post: bool, paged: bool) -> Schema:
    own = {name: strings(post) for name in _STRINGS}
    own.update({name: fields.String(allow_none=post) for name in _TEXT})
    own.update({name: CamundaBoolean(allow_none=post) for name in _FLAGS})
    own.update(variableValue=fields.Raw(allow_none=True),
               includeDeleted=Refused(False, reason="已删除变量的历史不保留"))
    if post:
        own["sorting"] = fields.List(fields.Nested(VariableInstanceSorting), load_default=list, allow_none=True)
    else:
        own.update(_sort_fields(False))
        own["deserializeValues"] = CamundaBoolean(load_default=True)
        own.update(PageArgs._declared_fields if paged else {})
    kind = ("QueryBody" if post else "Query") + ("" if paged else "Count")
    return StrictSchema.from_dict(own, name=f"VariableInstance{kind}")()


class _Args(PageArgs):
    deserializeValues = CamundaBoolean(load_default=True)


LIST_ROUTES["/history/variable-instance"] = (lambda paged: _schema(False, paged), lambda: _schema(True, True))


def variable_query(post: bool, paged: bool = True) -> tuple[dict, dict]:
    """(filters with `deserializeValues` and `sorting`, page) of a variable-instance list request."""
    if post:
        page = _Args().load(request.args.to_dict()) if paged else _Args(only=("deserializeValues",)).load(
            request.args.to_dict())
        params = _schema(True, paged).load(json_object())
        params["sorting"] = [(s["sortBy"], s["sortOrder"]) for s in params.get("sorting") or ()]
        params["deserializeValues"] = page.pop("deserializeValues")
    else:
        params = _schema(False, paged).load(request.args.to_dict())
        by, order = params.pop("sortBy", None), params.pop("sortOrder", None)
        if (by is None) != (order is None):
            raise ValidationError("sortBy 与 sortOrder 须同时给出", "sortOrder" if by else "sortBy")
        params["sorting"] = [(by, order)] if by else []
        page = {key: params.pop(key) for key in ("firstResult", "maxResults") if key in params}
    page.setdefault("firstResult", 0)
    page.setdefault("maxResults", None)
    return {k: v for k, v in params.items() if v is not None or k == "deserializeValues"}, page
