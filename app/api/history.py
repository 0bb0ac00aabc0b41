"""/history: finished and running cases, activities, tasks and variables."""

from flask import Blueprint, jsonify

from app.domain.errors import NotFound
from app.services.case_reads import history_variables
from app.store.queries import activity_query, instance_query, visible_instance

from . import dto
from .schemas import HistoryQuery, InstanceQuery
from .support import actor, args, paged, runtime
from .variables import to_camunda

bp = Blueprint("history", __name__, url_prefix="/history")


@bp.get("/process-instance")
def instances():
    actor().require("history.read")
    params = args(InstanceQuery)
    with runtime().reading() as uow:
        rows = uow.session.scalars(paged(instance_query(actor(), params), params))
        return jsonify([dto.history_instance(r) for r in rows])


@bp.get("/process-instance/<instance_id>")
def instance(instance_id: str):
    actor().require("history.read")
    with runtime().reading() as uow:
        row = visible_instance(uow.session, actor(), instance_id)
        if row is None:
            raise NotFound(f"案件 {instance_id} 不存在", field="id")
        return jsonify(dto.history_instance(row))


@bp.get("/activity-instance")
def activities():
    actor().require("history.read")
    params = args(HistoryQuery)
    with runtime().reading() as uow:
        rows = uow.session.scalars(paged(activity_query(actor(), params), params))
        return jsonify([dto.activity(r) for r in rows])


@bp.get("/task")
def tasks():
    actor().require("history.read")
    params = args(HistoryQuery)
    with runtime().reading() as uow:
        rows = uow.session.scalars(paged(activity_query(actor(), params, user_tasks_only=True), params))
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
