"""/history: finished and running cases, activities, tasks and variables."""

from flask import Blueprint, jsonify

from app.services import listings
from app.services.case_reads import history_variables

from . import dto
from .schemas import HistoryQuery, InstanceQuery
from .support import actor, args, runtime
from .variables import to_camunda

bp = Blueprint("history", __name__, url_prefix="/history")


@bp.get("/process-instance")
def instances():
    rows = listings.cases(runtime(), actor(), args(InstanceQuery), "history.read")
    return jsonify([dto.history_instance(r) for r in rows])


@bp.get("/process-instance/<instance_id>")
def instance(instance_id: str):
    return jsonify(dto.history_instance(listings.case(runtime(), actor(), instance_id, "history.read")))


@bp.get("/activity-instance")
def activities():
    return jsonify([dto.activity(r) for r in listings.activities(runtime(), actor(), args(HistoryQuery))])


@bp.get("/task")
def tasks():
    rows = listings.activities(runtime(), actor(), args(HistoryQuery), user_tasks_only=True)
    return jsonify([dto.history_task(r) for r in rows])


@bp.get("/variable-instance")
def variables():
    params = args(HistoryQuery)
    out = [{"id": f"{case.case_id}:{name}", "name": name, **typed, "processInstanceId": case.case_id,
            "processDefinitionKey": case.definition_key, "processDefinitionId": case.definition_id,
            "executionId": case.case_id, "activityInstanceId": case.case_id, "state": "CREATED",
            "tenantId": None, "errorMessage": None}
           for case in history_variables(runtime(), actor(), params.get("processInstanceId"))
           for name, typed in to_camunda(case.view.variables).items()]
    return jsonify(out[params["firstResult"]:][:params["maxResults"] or None])
