"""/task: the inbox and the task commands."""

from flask import Blueprint, jsonify
from sqlalchemy import func, select

from app.services.access_log import read_case_data
from app.services.cases import claim_task, complete_task, visible_task, visible_task_and_case
from app.services.commands import ClaimTask, CompleteTask
from app.store.queries import task_query

from . import dto
from .schemas import TaskQuery, UserIdBody, VariablesBody
from .support import actor, args, body, paged, runtime
from .variables import from_camunda, to_camunda

bp = Blueprint("task", __name__, url_prefix="/task")


@bp.get("")
def list_tasks():
    """List the tasks the user may see (Camunda GET /task)."""
    with runtime().reading() as uow:
        params = args(TaskQuery)
        query = paged(task_query(actor(), params), params)
        # plain rows, not ORM objects: a page of 50 is read and shaped in a fraction of the time
        rows = uow.session.execute(query.with_only_columns(*dto.TASK_COLUMNS))
        return jsonify([dto.task(r) for r in rows])


@bp.get("/count")
def count_tasks():
    with runtime().reading() as uow:
        query = task_query(actor(), args(TaskQuery)).order_by(None)
        return jsonify({"count": uow.session.scalar(select(func.count()).select_from(query.subquery()))})


@bp.get("/<task_id>")
def get_task(task_id: str):
    with runtime().reading() as uow:
        return jsonify(dto.task(visible_task(uow.session, actor(), task_id)))


@bp.get("/<task_id>/form-variables")
def form_variables(task_id: str):
    """Return the case data the task's form shows beside it."""
    with runtime().unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor(), task_id)
        # a department answering a referral reads only the task's own variables, never the case file
        shown = read_case_data(uow.session, actor(), instance, "task form-variables") \
            if actor().may("case.read") else {}
        uow.commit()
        return jsonify(to_camunda({**shown, **(task.local_variables or {})}))


@bp.post("/<task_id>/claim")
def claim(task_id: str):
    claim_task(runtime(), ClaimTask(actor(), task_id, body(UserIdBody)["userId"]))
    return "", 204


@bp.post("/<task_id>/unclaim")
def unclaim(task_id: str):
    claim_task(runtime(), ClaimTask(actor(), task_id, None))
    return "", 204


@bp.post("/<task_id>/assignee")
def set_assignee(task_id: str):
    claim_task(runtime(), ClaimTask(actor(), task_id, body(UserIdBody)["userId"]))
    return "", 204


@bp.post("/<task_id>/complete")
@bp.post("/<task_id>/submit-form")
def complete(task_id: str):
    """Complete a task with form variables; 204, or 200 with variables when asked."""
    data = body(VariablesBody)
    changes = complete_task(runtime(), CompleteTask(actor(), task_id, from_camunda(data["variables"])))
    if data["withVariablesInReturn"]:
        return jsonify(to_camunda(changes.variables))
    return "", 204
