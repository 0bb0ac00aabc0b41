"""/api/calendar: load next year's official holidays and 调休 days; local closure days (designers).

A change answers once it is in force, with the recompute of the open deadlines it moves: how many it was owed, how
many it did before answering, and whether it finished (the scheduler works off the rest:
GET /api/calendar/recomputes/{id}). The answer as of the change's commit is kept with its Idempotency-Key in the
same transaction, so a repeat after the node died before answering gets it.
"""

from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, fields, validate

from app.services.calendar import load_year, parse_year
from app.services.closures import add_closure, list_closures, remove_closure
from app.services.deadlines import Progress, recompute_progress_visible
from app.services.idempotency import answer_in_transaction
from app.services.listings import calendar_year

from .schemas import in_range
from .support import actor, body, camunda_date, runtime

bp = Blueprint("calendar", __name__, url_prefix="/api/calendar")


def _recompute(progress: Progress) -> dict:
    return {"recomputedTasks": progress.tasks, "recomputedJobs": progress.jobs,
            "recompute": {"id": progress.id, "affectedTasks": progress.affected_tasks,
                          "affectedJobs": progress.affected_jobs, "tasks": progress.tasks, "jobs": progress.jobs,
                          "finished": progress.finished}}


def _keep(session, status: int, answer: dict) -> None:
    """Keep `answer` with the request's Idempotency-Key in the change's own transaction."""
    answer_in_transaction(session, status, "application/json", current_app.json.response(answer).get_data())


def _year(loaded) -> dict:
    return {"year": loaded.year, "holidays": loaded.holidays, "workdays": loaded.workdays,
            **_recompute(loaded.recompute)}


@bp.put("/<int:year>")
def put_year(year: int):
    data = {**parse_year(request.get_data() or b"{}"), "year": year}
    loaded = load_year(runtime(), actor(), data, source="api",
                       answer=lambda session, first: _keep(session, 200, _year(first)))
    return jsonify(_year(loaded))


@bp.get("/<int:year>")
def get_year(year: int):
    row = calendar_year(runtime(), actor(), year)
    return jsonify({"year": row.year, "holidays": row.holidays, "workdays": row.workdays,
                    "loadedAt": camunda_date(row.loaded_at), "loadedBy": row.loaded_by})


@bp.get("/recomputes/<int:recompute_id>")
def get_recompute(recompute_id: int):
    return jsonify(_recompute(recompute_progress_visible(runtime(), actor(), recompute_id))["recompute"])


class ClosureBody(Schema):
    org = fields.String(required=True, validate=validate.Length(min=1, max=64))
    day = fields.Date(required=True, validate=in_range)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


def _closure(c) -> dict:
    return {"id": c.id, "org": c.org, "orgName": c.org_name, "day": c.day.isoformat(), "reason": c.reason,
            "createdBy": c.created_by}


@bp.post("/closures")
def post_closure():
    data = body(ClosureBody)
    closure, progress = add_closure(
        runtime(), actor(), data["org"], data["day"], data["reason"],
        answer=lambda session, first, owed: _keep(session, 201, {**_closure(first), **_recompute(owed)}))
    return jsonify({**_closure(closure), **_recompute(progress)}), 201


@bp.get("/closures")
def get_closures():
    return jsonify([_closure(c) for c in list_closures(runtime(), actor())])


@bp.delete("/closures/<int:closure_id>")
def delete_closure(closure_id: int):
    progress = remove_closure(runtime(), actor(), closure_id,
                              answer=lambda session, _, owed: _keep(session, 200, _recompute(owed)))
    return jsonify(_recompute(progress))
