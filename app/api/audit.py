"""/api/audit: verification of case histories for auditors."""

from flask import Blueprint, jsonify

from app.services.audit import verify_all, verify_case

from .support import actor, runtime

bp = Blueprint("audit", __name__, url_prefix="/api/audit")


def _dump(verdict) -> dict:
    return {"caseId": verdict.case_id, "ok": verdict.ok, "events": verdict.events,
            "firstBadEvent": verdict.first_bad_event, "problem": verdict.problem}


@bp.get("/cases/<case_id>/verify")
def verify_one(case_id: str):
    return jsonify(_dump(verify_case(runtime(), actor(), case_id)))


@bp.get("/verify")
def verify_scope():
    """Verify every case in scope; list the failures and count the rest."""
    verdicts = list(verify_all(runtime(), actor()))
    return jsonify({"cases": len(verdicts), "failed": [_dump(v) for v in verdicts if not v.ok]})
