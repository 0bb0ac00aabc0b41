"""/api/supervision: overdue and due-soon tasks with aging buckets, as JSON or CSV with Chinese headers."""

import csv
import io

from flask import Blueprint, Response, jsonify
from marshmallow import EXCLUDE, Schema, fields, validate

from app.services.supervision import act_on_escalation, late_tasks, list_escalations

from .support import actor, args, body, camunda_date, runtime

bp = Blueprint("supervision", __name__, url_prefix="/api/supervision")

COLUMNS = (("业务编号", "business_key"), ("乡镇（街道）", "township"), ("流程", "process"), ("环节", "name"),
           ("环节标识", "activity"), ("候选组", "groups"), ("办理人", "assignee"), ("到期时间", "due"),
           ("逾期工作日", "workdays_overdue"))


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
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


def _row(item) -> dict:
    task = item.task
    return {"id": task.id, "processInstanceId": task.process_instance_id, "business_key": task.business_key,
            "township": item.township, "process": task.definition_key, "name": task.name,
            "activity": task.activity_id, "groups": ",".join(task.candidate_groups), "assignee": task.assignee,
            "due": camunda_date(task.due), "workdays_overdue": item.workdays_overdue}


@bp.get("/tasks")
def tasks():
    """Overdue (default) or due-soon tasks in the supervisor's scope."""
    params = args(LateQuery())
    items, buckets = late_tasks(runtime(), actor(), params)
    rows = [_row(i) for i in items]
    if params["format"] == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([header for header, _ in COLUMNS])
        writer.writerows([[row[key] for _, key in COLUMNS] for row in rows])
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=overdue.csv"})
    return jsonify({"items": rows, "buckets": buckets, "count": len(rows)})


class EscalationQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(validate=validate.OneOf(["OPEN", "ACKNOWLEDGED", "CLOSED"]))


class EscalationAction(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["acknowledge", "reassign", "close"]))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


@bp.get("/escalations")
def escalations():
    rows = list_escalations(runtime(), actor(), args(EscalationQuery()).get("state"))
    return jsonify([{"id": e.id, "processInstanceId": e.process_instance_id, "businessKey": e.business_key,
                     "process": e.definition_key, "timer": e.timer_activity_id, "activity": e.activity_id,
                     "taskId": e.task_id, "created": camunda_date(e.created), "state": e.state,
                     "assignee": e.assignee, "comment": e.comment, "updatedBy": e.updated_by} for e in rows])


@bp.post("/escalations/<int:escalation_id>")
def act(escalation_id: int):
    data = body(EscalationAction())
    act_on_escalation(runtime(), actor(), escalation_id, data["action"], data["comment"], data["assignee"])
    return "", 204
