"""/process-instance and /message."""

from flask import Blueprint, jsonify

from app.domain import clock
from app.domain.errors import NotFound
from app.services import suspension
from app.services.case_data import PROCESS_VARIABLES
from app.services.case_views import activity_tree, running_case
from app.services.cases import cancel_case, cancel_cases
from app.services.commands import CancelCase, CorrelateMessage
from app.services.comments import case_comments
from app.services.messages import receive_message
from app.services.repair import modify_variables
from app.services.variable_reads import case_variables, variable_data

from . import dto
from .idempotency import no_content
from .modification import modify_instance
from .queries import register_list
from .schemas import (
    CasesSuspensionBody,
    DeleteInstanceArgs,
    DeleteInstancesBody,
    DeserializeArgs,
    DeserializeOneArgs,
    InstanceModificationBody,
    MessageBody,
    SuspensionBody,
    TypedValueBody,
    VariableModifications,
)
from .support import accepts, actor, args, binary_response, body, runtime
from .variables import from_camunda, parse, to_camunda, uploaded_variable

bp = Blueprint("process_instance", __name__, url_prefix="/process-instance")
message_bp = Blueprint("message", __name__, url_prefix="/message")
subscription_bp = Blueprint("event_subscription", __name__, url_prefix="/event-subscription")
register_list(bp, "", "process-instance", dto.instance)
register_list(subscription_bp, "", "event-subscription", dto.event_subscription, post=False)


@bp.get("/<instance_id>")
def get_instance(instance_id: str):
    return jsonify(dto.instance(running_case(runtime(), actor(), instance_id)))


@bp.get("/<instance_id>/variables")
@accepts(query=DeserializeArgs)
def variables(instance_id: str):
    deserialize = args()["deserializeValues"]
    found = case_variables(runtime(), actor(), instance_id)
    return jsonify(to_camunda(found.values, found.types, deserialize))


@bp.get("/<instance_id>/variables/<name>")
@accepts(query=DeserializeOneArgs)
def variable(instance_id: str, name: str):
    deserialize = args()["deserializeValue"]
    found = case_variables(runtime(), actor(), instance_id, PROCESS_VARIABLES.at(name)).one(name)
    return jsonify(to_camunda(found.values, found.types, deserialize)[name])


@bp.get("/<instance_id>/variables/<name>/data")
def variable_content(instance_id: str, name: str):
    found = case_variables(runtime(), actor(), instance_id, PROCESS_VARIABLES.at(f"{name} data"))
    return binary_response(*variable_data(runtime(), found, name))


@bp.get("/<instance_id>/activity-instances")
def activity_instances(instance_id: str):
    """Return the activity tree: the case root with one child per activity it waits in."""
    return jsonify(dto.activity_tree(activity_tree(runtime(), actor(), instance_id)))


@bp.delete("/<instance_id>")
@accepts(query=DeleteInstanceArgs)
@no_content
def delete_instance(instance_id: str):
    params = args()
    try:
        cancel_case(runtime(), CancelCase(actor(), instance_id))
    except NotFound:
        if params["failIfNotExists"]:
            raise
    return "", 204


@bp.post("/delete")
@accepts(body=DeleteInstancesBody)
def delete_instances():
    """Cancel the cases named, all or none, with the reason given, before answering: Camunda's deletion batch,
    reported as one already run."""
    data = body()
    started = clock.now()
    deleted = cancel_cases(runtime(), actor(), data["processInstanceIds"], data["deleteReason"])
    return jsonify(dto.completed_batch("instance-deletion", deleted, actor().username, started))


@message_bp.post("")
@accepts(body=MessageBody)
def correlate():
    """Correlate a message to the case waiting for it, or start one (Camunda POST /message)."""
    data = body()
    payload = parse(data["processVariables"], "processVariables")
    results = receive_message(runtime(), CorrelateMessage(
        actor(), data["messageName"], data["businessKey"], data["processInstanceId"], payload.values,
        from_camunda(data["correlationKeys"], "correlationKeys"),
        from_camunda(data["localCorrelationKeys"], "localCorrelationKeys"), data["all"], payload.typed),
        with_variables=data["variablesInResultEnabled"])
    if not data["resultEnabled"]:
        return "", 204
    return jsonify([dto.message_result(r.instance, r.started, r.variables) for r in results])


@bp.post("/<instance_id>/variables")
@accepts(body=VariableModifications)
@no_content
def modify(instance_id: str):
    """Change or delete case variables (Camunda's modifications), e.g. to repair the cause of an incident."""
    data = body()
    parsed = parse(data["modifications"], "modifications")
    modify_variables(runtime(), actor(), instance_id, parsed.values, parsed.typed, tuple(data["deletions"] or ()))
    return "", 204


@bp.put("/<instance_id>/variables/<name>")
@accepts(body=TypedValueBody)
@no_content
def put_variable(instance_id: str, name: str):
    parsed = parse({name: body()}, "body")
    modify_variables(runtime(), actor(), instance_id, parsed.values, parsed.typed)
    return "", 204


@bp.delete("/<instance_id>/variables/<name>")
@no_content
def delete_variable(instance_id: str, name: str):
    modify_variables(runtime(), actor(), instance_id, {}, deletions=(name,))
    return "", 204


@bp.post("/<instance_id>/variables/<name>/data")
@no_content
def post_variable_content(instance_id: str, name: str):
    """Set a Bytes or File variable from a multipart upload (`data`, and `valueType` Bytes or File)."""
    parsed = parse({name: uploaded_variable()}, "data")
    modify_variables(runtime(), actor(), instance_id, parsed.values, parsed.typed)
    return "", 204


@bp.put("/<instance_id>/suspended")
@accepts(body=SuspensionBody)
@no_content
def suspend(instance_id: str):
    suspension.suspend_case(runtime(), actor(), instance_id, body()["suspended"])
    return "", 204


@bp.put("/suspended")
@accepts(body=CasesSuspensionBody)
@no_content
def suspend_many():
    """Suspend or activate the running cases named, or those of a definition or of every version of a key."""
    data = body()
    suspension.suspend_cases(runtime(), actor(), data["suspended"], data["processInstanceIds"],
                             data["processDefinitionId"], data["processDefinitionKey"])
    return "", 204


@bp.post("/<instance_id>/modification")
@accepts(body=InstanceModificationBody)
def modify_activities(instance_id: str):
    """Start before or after an activity and cancel activity instances (Camunda's modification)."""
    return modify_instance(instance_id)


@bp.get("/<instance_id>/comment")
def comments_of(instance_id: str):
    """Every comment (办理意见) on the case's tasks, oldest first."""
    return jsonify(dto.comment_page(case_comments(runtime(), actor(), instance_id)))
