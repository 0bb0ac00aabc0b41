"""/external-task: workers such as the household-data matching system, and operators resolving their incidents."""

from flask import Blueprint, Response, current_app, jsonify

from app.domain.errors import DomainError
from app.services import external_tasks as service
from app.services.external_tasks import FetchRequest, TopicRequest

from . import dto
from .idempotency import no_content
from .queries import register_list
from .schemas import (
    BpmnErrorBody,
    ExtendLockBody,
    ExternalCompleteBody,
    ExternalFailureBody,
    ExternalRetriesBody,
    FetchAndLockBody,
    LockBody,
    NoBody,
    PriorityBody,
    RetriesOnlyBody,
    TopicNamesArgs,
)
from .support import accepts, actor, args, body, runtime
from .variables import from_camunda, parse

bp = Blueprint("external_task", __name__, url_prefix="/external-task")
register_list(bp, "", "external-task", dto.external_task)


def _topic(t: dict) -> TopicRequest:
    def listed(name):
        return tuple(t[name]) if t.get(name) is not None else None

    return TopicRequest(t["topicName"], t["lockDuration"], listed("variables"), t.get("businessKey"),
                        listed("processDefinitionIdIn"), listed("processDefinitionKeyIn"),
                        t.get("processDefinitionVersionTag"), listed("tenantIdIn"),
                        dict(t.get("processVariables") or {}), bool(t.get("includeExtensionProperties")),
                        bool(t.get("withoutTenantId")))


@bp.post("/fetchAndLock")
@accepts(body=FetchAndLockBody)
def fetch_and_lock():
    """Lock tasks for a worker, waiting up to `asyncResponseTimeout` ms for one to become available."""
    data = body()
    longest = current_app.config["LONG_POLL_MAX_MS"]
    if (data["asyncResponseTimeout"] or 0) > longest:
        raise DomainError(f"asyncResponseTimeout 最长 {longest} 毫秒", field="asyncResponseTimeout")
    sorting = data.get("sorting") or []
    request = FetchRequest(data["workerId"], data["maxTasks"], tuple(_topic(t) for t in data["topics"]),
                           data["usePriority"], sorting[0]["sortOrder"] if sorting else None,
                           data["asyncResponseTimeout"] or 0)
    locked = service.fetch_and_lock(runtime(), actor(), request)
    deserialize = {t["topicName"]: t.get("deserializeValues") for t in data["topics"]}
    return jsonify([dto.locked_external_task(item, deserialize.get(item.task.topic) is not False)
                    for item in locked])


@bp.get("/<task_id>")
def get_task(task_id: str):
    return jsonify(dto.external_task(service.external_task(runtime(), actor(), task_id)))


@bp.get("/<task_id>/errorDetails")
def error_details(task_id: str):
    """The worker's full error details (204 when it gave none), as plain text like Camunda's."""
    details = service.external_task(runtime(), actor(), task_id).error_details
    if details is None:
        return "", 204
    return Response(details, mimetype="text/plain")


@bp.get("/topic-names")
@accepts(query=TopicNamesArgs)
def topic_names():
    params = args()
    return jsonify(service.topic_names(runtime(), actor(), params["withLockedTasks"], params["withUnlockedTasks"],
                                       params["withRetriesLeft"]))


@bp.post("/<task_id>/complete")
@accepts(body=ExternalCompleteBody)
@no_content
def complete(task_id: str):
    data = body()
    parsed = parse(data["variables"])
    local = from_camunda(data["localVariables"], "localVariables")
    service.complete_external_task(runtime(), actor(), task_id, data["workerId"], parsed.values, local, parsed.typed)
    return "", 204


@bp.post("/<task_id>/failure")
@accepts(body=ExternalFailureBody)
@no_content
def failure(task_id: str):
    data = body()
    service.report_failure(runtime(), actor(), task_id, data["workerId"], data["errorMessage"],
                           data["errorDetails"], data["retries"], data["retryTimeout"])
    return "", 204


@bp.post("/<task_id>/bpmnError")
@accepts(body=BpmnErrorBody)
@no_content
def bpmn_error(task_id: str):
    data = body()
    parsed = parse(data["variables"])
    service.report_bpmn_error(runtime(), actor(), task_id, data["workerId"], data["errorCode"],
                              data["errorMessage"], parsed.values, parsed.typed)
    return "", 204


@bp.post("/<task_id>/extendLock")
@accepts(body=ExtendLockBody)
@no_content
def extend_lock(task_id: str):
    data = body()
    service.change_lock(runtime(), actor(), task_id, data["workerId"], data["newDuration"])
    return "", 204


@bp.post("/<task_id>/unlock")
@accepts(body=NoBody)
@no_content
def unlock(task_id: str):
    body()
    service.change_lock(runtime(), actor(), task_id, None, None)
    return "", 204


@bp.post("/<task_id>/lock")
@accepts(body=LockBody)
@no_content
def lock(task_id: str):
    data = body()
    service.lock_task(runtime(), actor(), task_id, data["workerId"], data["lockDuration"])
    return "", 204


@bp.put("/<task_id>/retries")
@accepts(body=RetriesOnlyBody)
@no_content
def set_retries(task_id: str):
    """New retries for a task (above 0 resolves its incident), e.g. once the cause of a failure is repaired."""
    service.set_retries(runtime(), actor(), [task_id], body()["retries"])
    return "", 204


@bp.put("/retries")
@accepts(body=ExternalRetriesBody)
@no_content
def set_many_retries():
    data = body()
    service.set_retries(runtime(), actor(), data["externalTaskIds"], data["retries"])
    return "", 204


@bp.put("/<task_id>/priority")
@accepts(body=PriorityBody)
@no_content
def set_priority(task_id: str):
    service.set_priority(runtime(), actor(), task_id, body()["priority"])
    return "", 204
