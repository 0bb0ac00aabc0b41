"""/task: the inbox and the task commands."""

from flask import Blueprint, jsonify

from app.services import listings
from app.services.case_data import TASK_FORM
from app.services.case_reads import task_data
from app.services.cases import claim_task, complete_task
from app.services.commands import ClaimTask, CompleteTask

from . import dto
from .schemas import TaskQuery, UserIdBody, VariablesBody
from .support import actor, args, body, runtime
from .variables import from_camunda, to_camunda

bp = Blueprint("task", __name__, url_prefix="/task")


@bp.get("")
def list_tasks():
    """List the tasks the user may see (Camunda GET /task)."""
    return jsonify([dto.task(r) for r in listings.tasks(runtime(), actor(), args(TaskQuery))])


@bp.get("/count")
def count_tasks():
    return jsonify({"count": listings.task_count(runtime(), actor(), args(TaskQuery))})


@bp.get("/<task_id>")
def get_task(task_id: str):
    return jsonify(dto.task(listings.task(runtime(), actor(), task_id)))


@bp.get("/<task_id>/form-variables")
def form_variables(task_id: str):
    """Return the case data the task's form shows beside it (a referral's department: the task's own only)."""
    return jsonify(to_camunda(task_data(runtime(), actor(), task_id, TASK_FORM).view.variables))


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
    result = complete_task(runtime(), CompleteTask(actor(), task_id, from_camunda(data["variables"]),
                                                   data["withVariablesInReturn"]))
    return jsonify(to_camunda(result.variables)) if result is not None else ("", 204)
