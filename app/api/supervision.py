"""/api/supervision: late tasks with aging buckets, per-township compliance and escalations;
each as JSON, or with format=csv|xlsx as a file with Chinese headers."""

from flask import Blueprint, Response, jsonify
from marshmallow import EXCLUDE, Schema, fields, validate

from app.services.compliance import compliance as compliance_figures
from app.services.exports import attachment, export
from app.services.supervision import act_on_escalation, late_tasks, list_escalations
from app.services.supervision_tables import compliance_table, escalations_export, tasks_table
from app.services.vocabulary import vocabulary

from .schemas import in_range
from .support import actor, args, body, camunda_date, runtime

bp = Blueprint("supervision", __name__, url_prefix="/api/supervision")

FORMAT = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


def _file(table, fmt: str) -> Response:
    content, mimetype, filename = export(table, fmt)
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": attachment(filename)})


class LateQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(load_default="overdue", validate=validate.OneOf(["overdue", "due_soon"]))
    township = fields.String()
    activity = fields.String()
    group = fields.String()
    process = fields.String()
    minDaysOverdue = fields.Integer(validate=validate.Range(min=0))
    maxResults = fields.Integer(validate=validate.Range(min=1, max=10000))
    format = FORMAT


def _row(item) -> dict:
    task = item.task
    return {"id": task.id, "processInstanceId": task.process_instance_id, "business_key": task.business_key,
            "township": item.township, "process": task.definition_key, "name": task.name,
            "activity": task.activity_id, "groups": ",".join(task.candidate_groups), "assignee": task.assignee,
            "due": camunda_date(task.due), "workdays_overdue": item.workdays_overdue}


@bp.get("/tasks")
def tasks():
    """Overdue (default) or due-soon tasks in the supervisor's scope."""
    params = args(LateQuery)
    items, buckets = late_tasks(runtime(), actor(), params)
    if params["format"] != "json":
        return _file(tasks_table(items, vocabulary(runtime()), params["state"] == "due_soon"), params["format"])
    rows = [_row(i) for i in items]
    return jsonify({"items": rows, "buckets": buckets, "count": len(rows)})


class ComplianceQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    process = fields.String(load_default="dibao")
    township = fields.String()
    acceptedFrom = fields.Date(validate=in_range)
    acceptedTo = fields.Date(validate=in_range)
    format = FORMAT


@bp.get("/compliance")
def compliance():
    """Per township: investigations started and decisions made within their limits, median days per step."""
    params = args(ComplianceQuery)
    townships = compliance_figures(runtime(), actor(), params)
    if params["format"] != "json":
        return _file(compliance_table(townships), params["format"])
    return jsonify({"process": params["process"], "townships": [
        {"township": t.code, "name": t.name, "accepted": t.accepted,
         "investigationDue": t.investigation.due, "investigationOnTime": t.investigation.on_time,
         "investigationShare": t.investigation.share, "decisionDue": t.decision.due,
         "decidedOnTime": t.decision.on_time, "decisionShare": t.decision.share,
         "stepMedianWorkdays": t.step_medians(), "stepCounts": {k: len(v) for k, v in t.step_days.items()}}
        for t in townships]})


class EscalationQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(validate=validate.OneOf(["OPEN", "ACKNOWLEDGED", "CLOSED"]))
    format = FORMAT


class EscalationAction(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["acknowledge", "reassign", "close"]))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


@bp.get("/escalations")
def escalations():
    params = args(EscalationQuery)
    rows = list_escalations(runtime(), actor(), params.get("state"))
    if params["format"] != "json":
        return _file(escalations_export(runtime(), rows), params["format"])
    return jsonify([{"id": e.id, "processInstanceId": e.process_instance_id, "businessKey": e.business_key,
                     "process": e.definition_key, "timer": e.timer_activity_id, "activity": e.activity_id,
                     "taskId": e.task_id, "created": camunda_date(e.created), "state": e.state,
                     "assignee": e.assignee, "comment": e.comment, "updatedBy": e.updated_by} for e in rows])


@bp.post("/escalations/<int:escalation_id>")
def act(escalation_id: int):
    data = body(EscalationAction)
    act_on_escalation(runtime(), actor(), escalation_id, data["action"], data["comment"], data["assignee"])
    return "", 204
