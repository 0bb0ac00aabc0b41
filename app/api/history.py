"""/history: finished and running cases, activities, tasks and variables."""

from flask import Blueprint, jsonify

from app.domain.errors import NotFound
from app.services.access_log import read_case_data
from app.store.queries import activity_query, instance_query, visible_instance
from app.store.tables import ProcessInstance

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
    actor().require("history.read")
    params = args(HistoryQuery)
    query = instance_query(actor(), {})
    if params.get("processInstanceId"):
        query = query.where(ProcessInstance.id == params["processInstanceId"])
    with runtime().unit_of_work() as uow:
        out = []
        for row in uow.session.scalars(query.limit(1000)):
            shown = read_case_data(uow.session, actor(), row, "history variable-instance")
            for name, typed in to_camunda(shown).items():
                out.append({"id": f"{row.id}:{name}", "name": name, **typed, "processInstanceId": row.id,
                            "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
                            "executionId": row.id, "activityInstanceId": row.id, "state": "CREATED",
                            "tenantId": None, "errorMessage": None})
        uow.commit()
        return jsonify(out[params["firstResult"]:][:params["maxResults"] or None])
