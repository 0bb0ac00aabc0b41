"""/api/calendar: load next year's official holidays and 调休 days; local closure days (designers)."""

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from app.services.calendar import load_year, parse_year
from app.services.closures import add_closure, list_closures, remove_closure
from app.services.listings import calendar_year

from .schemas import in_range
from .support import actor, body, camunda_date, runtime

bp = Blueprint("calendar", __name__, url_prefix="/api/calendar")


@bp.put("/<int:year>")
def put_year(year: int):
    data = {**parse_year(request.get_data() or b"{}"), "year": year}
    loaded = load_year(runtime(), actor(), data, source="api")
    return jsonify({"year": loaded.year, "holidays": loaded.holidays, "workdays": loaded.workdays,
                    "recomputedTasks": loaded.recomputed_tasks, "recomputedJobs": loaded.recomputed_jobs})


@bp.get("/<int:year>")
def get_year(year: int):
    row = calendar_year(runtime(), actor(), year)
    return jsonify({"year": row.year, "holidays": row.holidays, "workdays": row.workdays,
                    "loadedAt": camunda_date(row.loaded_at), "loadedBy": row.loaded_by})


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
    closure, recomputed = add_closure(runtime(), actor(), data["org"], data["day"], data["reason"])
    return jsonify({**_closure(closure), "recomputedTasks": recomputed.tasks, "recomputedJobs": recomputed.jobs}), 201


@bp.get("/closures")
def get_closures():
    return jsonify([_closure(c) for c in list_closures(runtime(), actor())])


@bp.delete("/closures/<int:closure_id>")
def delete_closure(closure_id: int):
    recomputed = remove_closure(runtime(), actor(), closure_id)
    return jsonify({"recomputedTasks": recomputed.tasks, "recomputedJobs": recomputed.jobs})
