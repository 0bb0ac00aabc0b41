"""/job and /incident."""

from flask import Blueprint, jsonify

from app.services import listings
from app.services.commands import FireJob
from app.services.jobs import fire_job, set_job_due, set_job_retries

from . import dto
from .schemas import DueDateBody, JobQuery, Paging, RetriesBody
from .support import actor, args, body, runtime

bp = Blueprint("job", __name__, url_prefix="/job")
incident_bp = Blueprint("incident", __name__, url_prefix="/incident")


@bp.get("")
def list_jobs():
    return jsonify([dto.job(r) for r in listings.jobs(runtime(), actor(), args(JobQuery))])


@bp.post("/<job_id>/execute")
def execute(job_id: str):
    fire_job(runtime(), FireJob(actor(), job_id))
    return "", 204


@bp.put("/<job_id>/duedate")
def due_date(job_id: str):
    set_job_due(runtime(), actor(), job_id, body(DueDateBody)["duedate"])
    return "", 204


@bp.put("/<job_id>/retries")
def retries(job_id: str):
    set_job_retries(runtime(), actor(), job_id, body(RetriesBody)["retries"])
    return "", 204


@incident_bp.get("")
def list_incidents():
    return jsonify([dto.incident(r) for r in listings.incidents(runtime(), actor(), args(Paging))])
