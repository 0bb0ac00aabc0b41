"""告知书 on the pages: a notice's printable PDF, and the notices a case or a handover task shows."""

from flask import Blueprint, Response, current_app

from app.domain.actors import Actor
from app.services.case_data import CaseView
from app.services.notice_pdf import notice_pdf
from app.services.notices import NoticeView, case_notice, notices_in_view

from .auth import login_required, require, runtime

bp = Blueprint("notices", __name__, url_prefix="/cases")


@bp.get("/<case_id>/notices/<notice_id>.pdf")
@login_required
def pdf(case_id: str, notice_id: str):
    """Print a notice: the PDF of the text this user may see (whole or masked)."""
    notice = case_notice(runtime(), require("case.read"), case_id, notice_id)
    return Response(notice_pdf(notice.text, current_app.config["NOTICE_FONT"]), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=notice-{notice.id}.pdf"})


def notices_of(actor: Actor, view: CaseView, task_id: str | None = None) -> list[NoticeView]:
    """The notices a page shows with the case data it read (`view`); none for who may not read cases."""
    if not actor.may("case.read"):
        return []
    with runtime().reading() as uow:
        return notices_in_view(uow.session, view, task_id)
