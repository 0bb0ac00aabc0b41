"""/api/cases/<id>/notices: the notices of decisions issued on a case, as text and as PDF."""

from flask import Blueprint, Response, current_app, jsonify, url_for

from app.services.notice_pdf import notice_pdf
from app.services.notices import case_notice, case_notices

from .support import actor, camunda_date, runtime

bp = Blueprint("case_notices", __name__, url_prefix="/api/cases")


@bp.get("/<case_id>/notices")
def index(case_id: str):
    """List a case's notices, oldest first; masked for roles that do not see the household whole."""
    return jsonify([{"id": n.id, "kind": n.kind, "title": n.title, "issuedAt": camunda_date(n.issued_at),
                     "text": n.text, "masked": n.masked, "taskId": n.task_id, "activityId": n.activity_id,
                     "pdfUrl": url_for("case_notices.pdf", case_id=case_id, notice_id=n.id)}
                    for n in case_notices(runtime(), actor(), case_id)])


@bp.get("/<case_id>/notices/<notice_id>/pdf")
def pdf(case_id: str, notice_id: str):
    """One notice as a printable PDF (the text this reader may see)."""
    notice = case_notice(runtime(), actor(), case_id, notice_id)
    return Response(notice_pdf(notice.text, current_app.config["NOTICE_FONT"]), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=notice-{notice.id}.pdf"})
