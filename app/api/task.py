"""/task: the inbox and the task commands."""

from flask import Blueprint, jsonify, request

from app.domain.errors import NotFound
from app.services import comments, task_events, task_views
from app.services import identity_links as links
from app.services.case_data import TASK_FORM
from app.services.cases import claim_task, complete_task, visible_task
from app.services.commands import ClaimTask, CompleteTask
from app.services.variable_reads import shown_types, task_variables, variable_data

from . import dto
from .idempotency import answers_no_content, no_content
from .queries import register_list
from .removal import removal_of
from .schemas import (
    CommentBody,
    DeserializeArgs,
    DeserializeOneArgs,
    FormVariablesArgs,
    IdentityLinkArgs,
    IdentityLinkBody,
    TaskBpmnErrorBody,
    TaskEscalationBody,
    UserIdBody,
    VariablesBody,
)
from .support import accepts, actor, args, binary_response, body, runtime
from .variables import parse, to_camunda

bp = Blueprint("task", __name__, url_prefix="/task")


@bp.get("/report/candidate-group-count")
def candidate_group_count():
    return jsonify([{"groupName": group, "taskCount": count}
                    for group, count in task_views.candidate_group_counts(runtime(), actor())])
# the tasks the user may see; a page is read as plain rows of the columns it shows, not ORM objects
register_list(bp, "", "task", dto.task)


@bp.get("/<task_id>")
def get_task(task_id: str):
    with runtime().reading() as uow:
        return jsonify(dto.task(visible_task(uow.session, actor(), task_id)))


@bp.get("/<task_id>/form-variables")
@accepts(query=FormVariablesArgs)
def form_variables(task_id: str):
    """Return the variables the task's form shows beside it (its own over its case's)."""
    params = args()
    found = task_variables(runtime(), actor(), task_id)
    wanted = params.get("variableNames")
    values = {k: v for k, v in found.values.items() if wanted is None or k in wanted}
    return jsonify(to_camunda(values, found.types, params["deserializeValues"]))


@bp.get("/<task_id>/variables")
@bp.get("/<task_id>/localVariables")
@accepts(query=DeserializeArgs)
def variables(task_id: str):
    local = request.path.endswith("/localVariables")
    found = task_variables(runtime(), actor(), task_id, TASK_FORM.at("variables"), local_only=local)
    return jsonify(to_camunda(found.values, found.types, args()["deserializeValues"]))


@bp.get("/<task_id>/variables/<name>")
@bp.get("/<task_id>/localVariables/<name>")
@accepts(query=DeserializeOneArgs)
def variable(task_id: str, name: str):
    local = "/localVariables/" in request.path
    found = task_variables(runtime(), actor(), task_id, TASK_FORM.at(name), local_only=local).one(name)
    return jsonify(to_camunda(found.values, found.types, args()["deserializeValue"])[name])


@bp.get("/<task_id>/variables/<name>/data")
def variable_content(task_id: str, name: str):
    """A Bytes or File variable's content (a task's own variables, from input parameters, are never binary)."""
    found = task_variables(runtime(), actor(), task_id, TASK_FORM.at(f"{name} data"))
    return binary_response(*variable_data(runtime(), found, name))


@bp.post("/<task_id>/claim")
@accepts(body=UserIdBody)
@no_content
def claim(task_id: str):
    claim_task(runtime(), ClaimTask(actor(), task_id, body()["userId"]))
    return "", 204


@bp.post("/<task_id>/unclaim")
@no_content
def unclaim(task_id: str):
    claim_task(runtime(), ClaimTask(actor(), task_id, None))
    return "", 204


@bp.post("/<task_id>/assignee")
@accepts(body=UserIdBody)
@no_content
def set_assignee(task_id: str):
    claim_task(runtime(), ClaimTask(actor(), task_id, body()["userId"]))
    return "", 204


@bp.post("/<task_id>/complete")
@bp.post("/<task_id>/submit-form")
@accepts(body=VariablesBody)
def complete(task_id: str):
    """Complete a task with form variables; 204, or 200 with variables when asked."""
    data = body()
    parsed = parse(data["variables"])
    if not data["withVariablesInReturn"]:
        answers_no_content()
    view = complete_task(runtime(), CompleteTask(actor(), task_id, parsed.values, data["withVariablesInReturn"],
                                                 parsed.typed))
    if view is None:
        return "", 204
    return jsonify(to_camunda(view.variables, shown_types(runtime(), actor(), view)))


@bp.post("/<task_id>/bpmnError")
@accepts(body=TaskBpmnErrorBody)
def bpmn_error(task_id: str):
    """Report a BPMN error on a task: the error boundary event on it that catches the code ends it."""
    data = body()
    parsed = parse(data["variables"])
    task_events.report_task_error(runtime(), actor(), task_id, data["errorCode"], data["errorMessage"],
                                  parsed.values, parsed.typed)
    return "", 204


@bp.post("/<task_id>/bpmnEscalation")
@accepts(body=TaskEscalationBody)
def bpmn_escalation(task_id: str):
    """Report an escalation on a task: the escalation boundary event on it that catches the code fires."""
    data = body()
    parsed = parse(data["variables"])
    task_events.report_task_escalation(runtime(), actor(), task_id, data["escalationCode"], parsed.values,
                                       parsed.typed)
    return "", 204


@bp.get("/<task_id>/form")
def form_key(task_id: str):
    form = task_views.task_form(runtime(), actor(), task_id)
    return jsonify(dto.form_key(form.form_id))


@bp.get("/<task_id>/deployed-form")
def deployed_form(task_id: str):
    """The task's Camunda Form (JSON), the version bound when its process was deployed."""
    return jsonify(task_views.require_form(task_views.task_form(runtime(), actor(), task_id)))


@bp.get("/<task_id>/identity-links")
@accepts(query=IdentityLinkArgs)
def identity_links(task_id: str):
    kind = args().get("type")
    return jsonify([{"userId": user, "groupId": group, "type": link_type}
                    for user, group, link_type in task_views.identity_links(runtime(), actor(), task_id)
                    if kind is None or link_type == kind])


@bp.post("/<task_id>/comment/create")
@accepts(body=CommentBody)
def create_comment(task_id: str):
    """Write a comment (办理意见) on the task; it is kept in the case's log."""
    data = body()
    found = comments.add_comment(runtime(), actor(), task_id, data["message"], data["processInstanceId"])
    return jsonify(dto.comment(found, removal_of(found.process_instance_id)))


@bp.get("/<task_id>/comment")
def list_comments(task_id: str):
    return jsonify(dto.comment_page(comments.task_comments(runtime(), actor(), task_id)))


@bp.get("/<task_id>/comment/<comment_id>")
def get_comment(task_id: str, comment_id: str):
    found = [c for c in comments.task_comments(runtime(), actor(), task_id) if c.id == comment_id]
    if not found:
        raise NotFound(f"任务 {task_id} 没有意见 {comment_id}", field="commentId")
    return jsonify(dto.comment(found[0], removal_of(found[0].process_instance_id)))


@bp.post("/<task_id>/identity-links")
@accepts(body=IdentityLinkBody)
def add_identity_link(task_id: str):
    """Give the task an assignee or a candidate group."""
    data = body()
    links.add_link(runtime(), actor(), task_id, data["userId"], data["groupId"], data["type"])
    return "", 204


@bp.post("/<task_id>/identity-links/delete")
@accepts(body=IdentityLinkBody)
def delete_identity_link(task_id: str):
    """Take the assignee or a candidate group from the task."""
    data = body()
    links.delete_link(runtime(), actor(), task_id, data["userId"], data["groupId"], data["type"])
    return "", 204
