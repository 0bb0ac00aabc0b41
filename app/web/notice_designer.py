"""流程设计 › 告知书模板: edit a notice kind's template and deploy its next version."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.domain.errors import DeploymentRefused
from app.domain.notices import KINDS
from app.services.deploy import deploy
from app.services.notice_templates import ALLOWED_FILTERS, ALLOWED_TESTS
from app.services.notice_versions import template_text

from .auth import login_required, runtime
from .designer import require_shared_editor

bp = Blueprint("notice_designer", __name__, url_prefix="/designer/notices")


def _editor(kind: str, text: str, error: str | None = None, status: int = 200):
    return render_template("designer/notice_editor.html", kind=kind, title=KINDS[kind].title, text=text,
                           error=error, filters=sorted(ALLOWED_FILTERS), tests=sorted(ALLOWED_TESTS)), status


@bp.get("/<kind>/edit")
@login_required
def edit(kind: str):
    """Open the latest template of a notice kind in the editor."""
    return _editor(kind, template_text(runtime(), require_shared_editor(), kind))


@bp.post("/<kind>/deploy")
@login_required
def deploy_template(kind: str):
    """Deploy the edited text as the kind's next version; a refusal comes back with the text kept."""
    actor = require_shared_editor()
    text = request.form.get("text", "").replace("\r\n", "\n")
    try:
        result = deploy(runtime(), actor, f"{kind}.notice", {f"{kind}.notice": text.encode("utf-8")},
                        source="web-notice-editor", changed_only=True)
    except DeploymentRefused as err:
        return _editor(kind, text, err.message, 400)
    flash(f"已部署告知书模板 {kind} 第 {result.templates[0].version} 版" if result.templates
          else "模板没有变化，未产生新版本", "info")
    return redirect(url_for("designer.index"))
