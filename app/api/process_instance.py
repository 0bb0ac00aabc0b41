"""/process-instance and /message."""

from flask import Blueprint, jsonify

from app.domain.errors import NotFound
from app.services import listings
from app.services.case_data import MESSAGE_RESULT
from app.services.case_reads import case_variables, command_result
from app.services.cases import cancel_case
from app.services.commands import CancelCase, CorrelateMessage
from app.services.messages import receive_message
from app.services.repair import modify_variables

from . import dto
from .schemas import InstanceQuery, MessageBody, VariableModifications
from .support import actor, args, body, runtime
from .variables import from_camunda, to_camunda

bp = Blueprint("process_instance", __name__, url_prefix="/process-instance")
message_bp = Blueprint("message", __name__, url_prefix="/message")


@bp.get("")
def list_instances():
    rows = listings.cases(runtime(), actor(), {**args(InstanceQuery), "active": True})
    return jsonify([dto.instance(r) for r in rows])


@bp.get("/<instance_id>")
def get_instance(instance_id: str):
    row = listings.case(runtime(), actor(), instance_id)
    if row.state != "ACTIVE":
        raise NotFound(f"案件 {instance_id} 已结束", field="id")
    return jsonify(dto.instance(row))


@bp.get("/<instance_id>/variables")
def variables(instance_id: str):
    return jsonify(to_camunda(case_variables(runtime(), actor(), instance_id).variables))


@bp.get("/<instance_id>/activity-instances")
def activity_instances(instance_id: str):
    """Return the activity tree: the case root with one child per activity it waits in."""
    row, waiting = listings.waiting_in(runtime(), actor(), instance_id)
    children = [{"id": a.id, "parentActivityInstanceId": row.id, "activityId": a.activity_id,
                 "activityType": a.activity_type, "activityName": a.activity_name,
                 "processInstanceId": row.id, "processDefinitionId": row.definition_id,
                 "childActivityInstances": [], "childTransitionInstances": [], "executionIds": [row.id],
                 "incidentIds": [], "incidents": []} for a in waiting]
    return jsonify({"id": row.id, "parentActivityInstanceId": None, "activityId": row.definition_id,
                    "activityType": "processDefinition", "processInstanceId": row.id,
                    "processDefinitionId": row.definition_id, "childActivityInstances": children,
                    "childTransitionInstances": [], "executionIds": [row.id], "activityName": None,
                    "incidentIds": [], "incidents": []})


@bp.delete("/<instance_id>")
def delete_instance(instance_id: str):
    cancel_case(runtime(), CancelCase(actor(), instance_id))
    return "", 204


@message_bp.post("")
def correlate():
    """Correlate a message to the one case waiting for it (Camunda POST /message)."""
    data = body(MessageBody)
    payload = from_camunda(data["processVariables"], "processVariables")
    instance, started = receive_message(runtime(), CorrelateMessage(
        actor(), data["messageName"], data["businessKey"], data["processInstanceId"], payload))
    if not data["resultEnabled"]:
        return "", 204
    if started:
        result = {"resultType": "ProcessDefinition", "execution": None, "processInstance": dto.instance(instance)}
    else:
        result = {"resultType": "Execution", "processInstance": None, "execution": {
            "id": instance.id, "processInstanceId": instance.id, "ended": instance.state != "ACTIVE",
            "tenantId": None}}
    if data["variablesInResultEnabled"]:  # the case as the sender may see it; a role that does not read cases
        result["variables"] = to_camunda(  # sees what it sent
            command_result(runtime(), actor(), instance.id, MESSAGE_RESULT, payload).variables)
    return jsonify([result])


@bp.post("/<instance_id>/variables")
def modify(instance_id: str):
    """Change case variables (Camunda's modifications), e.g. to repair the cause of an incident."""
    data = body(VariableModifications)
    modify_variables(runtime(), actor(), instance_id, from_camunda(data["modifications"], "modifications"))
    return "", 204
