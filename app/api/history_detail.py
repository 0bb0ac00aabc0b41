"""/history/detail: every variable update of a case, as Camunda's historic details, from its event log."""

from functools import cache

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from app.services.history_details import SORT_BY, count_details, detail_rows, one_detail

from .fields import CamundaBoolean, CamundaDateTime, StrictSchema
from .queries import LIST_ROUTES, PageArgs, strings
from .removal import removal_date, removal_of, with_removal
from .support import accepts, actor, args, camunda_date, json_object, runtime, takes_args
from .variables import typed_value

bp = Blueprint("history_detail", __name__, url_prefix="/history/detail")
_TEXT = ("processInstanceId", "executionId", "taskId", "activityInstanceId", "caseInstanceId", "caseExecutionId",
         "variableInstanceId", "variableNameLike", "userOperationId")
_LISTS = ("processInstanceIdIn", "variableTypeIn", "tenantIdIn")
_FLAGS = ("withoutTenantId", "formFields", "variableUpdates", "excludeTaskDetails", "initial")
_DATES = ("occurredBefore", "occurredAfter")


def _sort_fields(required: bool) -> dict:
    return {"sortBy": fields.String(required=required, validate=validate.OneOf(SORT_BY)),
            "sortOrder": fields.String(required=required, validate=validate.OneOf(["asc", "desc"]))}


HistoricDetailSorting = StrictSchema.from_dict(_sort_fields(True), name="HistoricDetailSorting")


@cache
def _schema(post: bool, paged: bool) -> Schema:
    own = {name: fields.String(allow_none=post) for name in _TEXT}
    own.update({name: strings(post) for name in _LISTS})
    own.update({name: CamundaBoolean(allow_none=post) for name in _FLAGS})
    own.update({name: CamundaDateTime(allow_none=post) for name in _DATES})
    if post:
        own["sorting"] = fields.List(fields.Nested(HistoricDetailSorting), load_default=list, allow_none=True)
    else:
        own.update(_sort_fields(False))
        if paged:
            own.update(PageArgs._declared_fields, deserializeValues=CamundaBoolean(load_default=True))
    kind = ("QueryBody" if post else "Query") + ("" if paged else "Count")
    return StrictSchema.from_dict(own, name=f"HistoricDetail{kind}")()


class _PostArgs(PageArgs):
    deserializeValues = CamundaBoolean(load_default=True)


class DetailArgs(StrictSchema):
    deserializeValue = CamundaBoolean(load_default=True)


LIST_ROUTES["/history/detail"] = (lambda paged: _schema(False, paged), lambda: _schema(True, True))


def _query(post: bool, paged: bool) -> tuple[dict, dict]:
    if post:
        page = _PostArgs().load(request.args.to_dict()) if paged else StrictSchema().load(request.args.to_dict())
        params = _schema(True, paged).load(json_object())
        sorting = [(s["sortBy"], s["sortOrder"]) for s in params.pop("sorting", None) or ()]
    else:
        params = _schema(False, paged).load(request.args.to_dict())
        by, order = params.pop("sortBy", None), params.pop("sortOrder", None)
        if (by is None) != (order is None):
            raise ValidationError("sortBy 与 sortOrder 须同时给出", "sortOrder" if by else "sortBy")
        sorting = [(by, order)] if by else []
        page = {key: params.pop(key) for key in ("firstResult", "maxResults", "deserializeValues") if key in params}
    params = {k: v for k, v in params.items() if v is not None}
    return {**params, "sorting": sorting}, page


def _shape(detail, removal, deserialize: bool) -> dict:
    case = detail.instance
    typed = typed_value(detail.value, detail.declared, deserialize)
    return {"id": detail.id, "type": "variableUpdate", "processDefinitionKey": case.definition_key,
            "processDefinitionId": case.definition_id, "processInstanceId": case.id,
            "activityInstanceId": detail.task_id or case.id, "executionId": case.id, "caseDefinitionKey": None,
            "caseDefinitionId": None, "caseInstanceId": None, "caseExecutionId": None, "taskId": detail.task_id,
            "tenantId": case.tenant_id, "userOperationId": str(detail.event_id), "time": camunda_date(detail.time),
            "removalTime": removal_date(removal), "rootProcessInstanceId": case.id, "variableName": detail.name,
            "variableInstanceId": detail.variable_instance_id, "variableType": typed["type"],
            "value": typed["value"], "valueInfo": typed.get("valueInfo", {}),
            "initial": detail.revision == 0, "revision": detail.revision, "errorMessage": None}


_page = with_removal(_shape, lambda detail: detail.instance.id)


def details():
    params, page = _query(request.method == "POST", paged=True)
    rows = detail_rows(runtime(), actor(), params, params.pop("sorting"), page.get("firstResult", 0),
                       page.get("maxResults"))
    return jsonify(_page(rows, page.get("deserializeValues", True)))


def count():
    params, _ = _query(request.method == "POST", paged=False)
    params.pop("sorting")
    return jsonify({"count": count_details(runtime(), actor(), params)})


bp.add_url_rule("", "list_history_detail", takes_args(details), methods=["GET", "POST"])
bp.add_url_rule("/count", "count_history_detail", takes_args(count), methods=["GET"])


@bp.get("/<detail_id>")
@accepts(query=DetailArgs)
def get_detail(detail_id: str):
    detail = one_detail(runtime(), actor(), detail_id)
    return jsonify(_shape(detail, removal_of(detail.instance.id), args()["deserializeValue"]))
