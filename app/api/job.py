"""/job and /incident."""

from flask import Blueprint, Response, jsonify

from app.services.case_views import row_in_scope
from app.services.commands import FireJob
from app.services.jobs import fire_job, set_job_due, set_job_retries

from . import dto
from .queries import register_list
from .schemas import DueDateBody, RetriesBody
from .support import accepts, actor, body, runtime

bp = Blueprint("job", __name__, url_prefix="/job")
incident_bp = Blueprint("incident", __name__, url_prefix="/incident")
register_list(bp, "", "job", dto.job)
register_list(incident_bp, "", "incident", dto.incident, post=False)


@bp.post("/<job_id>/execute")
def execute(job_id: str):
    fire_job(runtime(), FireJob(actor(), job_id))
    return "", 204


@bp.put("/<job_id>/duedate")
@accepts(body=DueDateBody)
def due_date(job_id: str):
    set_job_due(runtime(), actor(), job_id, body()["duedate"])
    return "", 204


@bp.put("/<job_id>/retries")
@accepts(body=RetriesBody)
def retries(job_id: str):
    data = body()
    set_job_retries(runtime(), actor(), job_id, data["retries"], data["dueDate"])
    return "", 204



@bp.get("/<job_id>")
def get_job(job_id: str):
    return jsonify(dto.job(row_in_scope(runtime(), actor(), "job", job_id)))


@bp.get("/<job_id>/stacktrace")
def stacktrace(job_id: str):
    """The failure of the job's last try (its message: no Java stack here), as plain text; 204 without one."""
    message = row_in_scope(runtime(), actor(), "job", job_id).exception_message
    return Response(message, mimetype="text/plain") if message else ("", 204)


@incident_bp.get("/<incident_id>")
def get_incident(incident_id: str):
    return jsonify(dto.incident(row_in_scope(runtime(), actor(), "incident", incident_id)))
