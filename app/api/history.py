"""/history: finished and running cases, activities, tasks and variables."""

from flask import Blueprint, Response, jsonify, request

from app.domain.errors import NotFound
from app.services.case_views import history_case, row_in_scope
from app.services.lists import ListQuery, list_rows
from app.services.variable_instances import count_variables as count_variable_rows
from app.services.variable_instances import variable_rows
from app.services.variable_reads import variable_content

from . import dto
from .queries import register_list
from .removal import removal_of, with_removal
from .schemas import DeserializeArgs
from .support import accepts, actor, args, binary_response, runtime, takes_args
from .variable_queries import variable_query

bp = Blueprint("history", __name__, url_prefix="/history")
_CASE = lambda row: row.process_instance_id  # noqa: E731 the case a history row belongs to
register_list(bp, "/process-instance", "history/process-instance",
              with_removal(dto.history_instance, lambda row: row.id), by_page=True)
register_list(bp, "/activity-instance", "history/activity-instance", with_removal(dto.activity, _CASE),
              by_page=True)
register_list(bp, "/task", "history/task", with_removal(dto.history_task, _CASE), by_page=True)
register_list(bp, "/user-operation", "history/user-operation", with_removal(dto.user_operation, _CASE), post=False,
              by_page=True)
register_list(bp, "/incident", "history/incident", with_removal(dto.history_incident, _CASE), post=False,
              by_page=True)
register_list(bp, "/job-log", "history/job-log", with_removal(dto.job_log, _CASE), by_page=True)


def _job_log_entry(log_id: str):
    """One entry of the job log in the actor's scope (its county's), else 404."""
    rows = list_rows(runtime(), actor(), ListQuery("history/job-log", {"logId": log_id}, (), 0, 1))
    if not rows:
        raise NotFound(f"作业日志 {log_id} 不存在", field="id")
    return rows[0]


@bp.get("/job-log/<log_id>")
def job_log_entry(log_id: str):
    entry = _job_log_entry(log_id)
    return jsonify(dto.job_log(entry, removal_of(entry.process_instance_id)))


@bp.get("/job-log/<log_id>/stacktrace")
def job_log_stacktrace(log_id: str):
    """The stack trace of a failure entry as plain text (a failure of the workflow itself: its message; Camunda's
    is a Java stack); 204 for an entry without one, as GET /job/{id}/stacktrace answers."""
    stacktrace = _job_log_entry(log_id).stacktrace
    return Response(stacktrace, mimetype="text/plain") if stacktrace else ("", 204)


@bp.get("/process-instance/<instance_id>")
def instance(instance_id: str):
    row, name, reason = history_case(runtime(), actor(), instance_id)
    return jsonify(dto.history_instance(row, removal_of(row.id), name, reason))


@bp.get("/activity-instance/<activity_id>")
def activity(activity_id: str):
    row = row_in_scope(runtime(), actor(), "history activity", activity_id)
    return jsonify(dto.activity(row, removal_of(row.process_instance_id)))


def _variable(variable_id: str):
    case_id, _, name = variable_id.partition(":")
    rows = variable_rows(runtime(), actor(), {"processInstanceId": case_id, "variableName": name}, (), 0, 1, False)
    if not rows:
        raise NotFound(f"变量实例 {variable_id} 不存在", field="id")
    return rows[0]


@bp.get("/variable-instance/<variable_id>")
@accepts(query=DeserializeArgs)
def variable(variable_id: str):
    row = _variable(variable_id)
    return jsonify(dto.history_variable(row, removal_of(row.instance.id), args()["deserializeValues"]))


@bp.get("/variable-instance/<variable_id>/data")
def variable_data(variable_id: str):
    row = _variable(variable_id)
    return binary_response(*variable_content(runtime(), row.value, row.declared, row.name))


_variables = with_removal(dto.history_variable, lambda row: row.instance.id)


@bp.route("/variable-instance", methods=["GET", "POST"])
@takes_args
def variables():
    post = request.method == "POST"
    params, page = variable_query(post)
    deserialize = params.pop("deserializeValues")
    sorting = params.pop("sorting")
    rows = variable_rows(runtime(), actor(), params, sorting, page["firstResult"], page["maxResults"], False)
    return jsonify(_variables(rows, deserialize))


@bp.route("/variable-instance/count", methods=["GET", "POST"])
@takes_args
def count_variables():
    params, _ = variable_query(request.method == "POST", paged=False)
    params.pop("deserializeValues"), params.pop("sorting")
    return jsonify({"count": count_variable_rows(runtime(), actor(), params, False)})
