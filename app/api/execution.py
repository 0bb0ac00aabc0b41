"""/execution: every case is one execution here, its own root — the executionId the API answers for everything
in a case — so an execution's local variables are the case's variables."""

from flask import Blueprint, jsonify

from app.domain.errors import NotFound, ValidationFailed
from app.services.case_views import running_case
from app.services.commands import CorrelateMessage
from app.services.lists import ListQuery, list_rows
from app.services.messages import receive_message

from . import dto
from . import process_instance as cases
from .queries import register_list
from .schemas import DeserializeArgs, DeserializeOneArgs, TriggerBody, TypedValueBody, VariableModifications
from .support import accepts, actor, body, runtime
from .variables import parse

bp = Blueprint("execution", __name__, url_prefix="/execution")
register_list(bp, "", "execution", dto.execution)


@bp.get("/<execution_id>")
def get_execution(execution_id: str):
    return jsonify(dto.execution(running_case(runtime(), actor(), execution_id)))


@bp.get("/<execution_id>/localVariables")
@accepts(query=DeserializeArgs)
def local_variables(execution_id: str):
    return cases.variables(execution_id)


@bp.get("/<execution_id>/localVariables/<name>")
@accepts(query=DeserializeOneArgs)
def local_variable(execution_id: str, name: str):
    return cases.variable(execution_id, name)


@bp.get("/<execution_id>/localVariables/<name>/data")
def local_variable_content(execution_id: str, name: str):
    return cases.variable_content(execution_id, name)


@bp.post("/<execution_id>/localVariables")
@accepts(body=VariableModifications)
def modify_local(execution_id: str):
    return cases.modify(execution_id)


@bp.put("/<execution_id>/localVariables/<name>")
@accepts(body=TypedValueBody)
def put_local(execution_id: str, name: str):
    return cases.put_variable(execution_id, name)


@bp.delete("/<execution_id>/localVariables/<name>")
def delete_local(execution_id: str, name: str):
    return cases.delete_variable(execution_id, name)


@bp.post("/<execution_id>/localVariables/<name>/data")
def post_local_content(execution_id: str, name: str):
    return cases.post_variable_content(execution_id, name)


def _subscription(execution_id: str, message: str):
    rows = list_rows(runtime(), actor(), ListQuery("event-subscription", {"processInstanceId": execution_id,
                                                                          "eventName": message}))
    if not rows:
        raise NotFound(f"执行 {execution_id} 没有在等待消息 {message}", field="messageName")
    return rows[0]


@bp.get("/<execution_id>/messageSubscriptions/<message>")
def message_subscription(execution_id: str, message: str):
    """The case's wait for a message, as Camunda's event subscription."""
    return jsonify(dto.event_subscription(_subscription(execution_id, message)))


@bp.post("/<execution_id>/messageSubscriptions/<message>/trigger")
@accepts(body=TriggerBody)
def trigger(execution_id: str, message: str):
    """Deliver the message to the case waiting for it, with its variables."""
    _subscription(execution_id, message)
    payload = parse(body()["variables"], "variables")
    try:
        receive_message(runtime(), CorrelateMessage(actor(), message, process_instance_id=execution_id,
                                                    variables=payload.values, typed=payload.typed))
    except ValidationFailed as err:  # named as this request names them
        if err.field and err.field.startswith("processVariables"):
            err.field = "variables" + err.field.removeprefix("processVariables")
        raise
    return "", 204
