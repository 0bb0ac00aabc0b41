"""/external-task: workers such as the household-data matching system."""

from flask import Blueprint, jsonify

from app.services import external_tasks as service
from app.services.external_tasks import TopicRequest

from . import dto
from .schemas import (
    BpmnErrorBody,
    ExtendLockBody,
    ExternalCompleteBody,
    ExternalFailureBody,
    FetchAndLockBody,
    UserIdBody,
)
from .support import actor, body, runtime
from .variables import from_camunda

bp = Blueprint("external_task", __name__, url_prefix="/external-task")


@bp.post("/fetchAndLock")
def fetch_and_lock():
    data = body(FetchAndLockBody)
    topics = [TopicRequest(t["topicName"], t["lockDuration"],
                           None if t["variables"] is None else tuple(t["variables"])) for t in data["topics"]]
    locked = service.fetch_and_lock(runtime(), actor(), data["workerId"], data["maxTasks"], topics)
    return jsonify([dto.locked_external_task(task, view.variables) for task, view in locked])


@bp.post("/<task_id>/complete")
def complete(task_id: str):
    data = body(ExternalCompleteBody)
    variables = {**from_camunda(data["variables"]), **from_camunda(data["localVariables"], "localVariables")}
    service.complete_external_task(runtime(), actor(), task_id, data["workerId"], variables)
    return "", 204


@bp.post("/<task_id>/failure")
def failure(task_id: str):
    data = body(ExternalFailureBody)
    service.report_failure(runtime(), actor(), task_id, data["workerId"], data["errorMessage"],
                           data["errorDetails"], data["retries"], data["retryTimeout"])
    return "", 204


@bp.post("/<task_id>/bpmnError")
def bpmn_error(task_id: str):
    data = body(BpmnErrorBody)
    service.report_bpmn_error(runtime(), actor(), task_id, data["workerId"], data["errorCode"],
                              data["errorMessage"], from_camunda(data["variables"]))
    return "", 204


@bp.post("/<task_id>/extendLock")
def extend_lock(task_id: str):
    data = body(ExtendLockBody)
    service.change_lock(runtime(), actor(), task_id, data["workerId"], data["newDuration"])
    return "", 204


@bp.post("/<task_id>/unlock")
def unlock(task_id: str):
    body(UserIdBody(partial=True))
    service.change_lock(runtime(), actor(), task_id, None, None)
    return "", 204
