"""Server-rendered pages in Chinese: one blueprint per role or area, behind a session login."""

from importlib import import_module
from urllib.parse import urlparse

from flask import Blueprint, Flask, flash, make_response, redirect, render_template, request, url_for

from app.domain.errors import DomainError, Unauthenticated

from .attachments import allow_upload_bodies
from .auth import check_csrf, csrf_field, csrf_token, current_actor, display_name
from .format import register_filters

# Each module under app/web/ that defines `bp`; add a line for a new area.
BLUEPRINT_MODULES = [
    "auth",
    "inbox",
    "tasks",
    "cases",
    "designer",
    "supervisor",
    "auditor",
    "payroll",
    "notices",
    "notice_designer",
    "attachments",
]

# app/web/templates for every page blueprint; app.css and the front-end bundles (dist/):
# url_for("assets.static", filename="dist/viewer.js")
assets = Blueprint("assets", __name__, static_folder="static", static_url_path="/assets",
                   template_folder="templates")


def register_web(app: Flask) -> None:
    """Register every page blueprint, the CSRF check, the template helpers and the HTML error pages."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.register_blueprint(assets)
    app.before_request(allow_upload_bodies)  # before the CSRF check reads an upload's form
    for name in BLUEPRINT_MODULES:
        blueprint = import_module(f"{__name__}.{name}").bp
        app.register_blueprint(blueprint)
        # scoped to the page blueprints on the app, so the blueprint objects stay untouched
        app.before_request_funcs.setdefault(blueprint.name, []).append(check_csrf)
        app.error_handler_spec[blueprint.name][None][DomainError] = _error_page
    app.context_processor(lambda: {"csrf_field": csrf_field, "csrf_token": csrf_token,
                                   "current_actor": current_actor, "display_name": display_name})
    register_filters(app)


def _error_page(err: DomainError):
    """Render a domain error as a page (the API answers JSON; pages answer HTML)."""
    if isinstance(err, Unauthenticated):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method == "POST" and err.status == 409:
        flash(err.message, "error")
        back = urlparse(request.referrer or "")
        same_site = back.netloc == request.host and back.path.startswith("/")
        return redirect(back.path + (f"?{back.query}" if back.query else "") if same_site else url_for("inbox.index"))
    titles = {403: "无权访问", 404: "未找到", 409: "操作冲突", 503: "暂时无法办理，请稍后重试"}
    page = make_response(render_template("error.html", title=titles.get(err.status, "操作未完成"), message=err.message),
                         err.status)
    if getattr(err, "retry_after", None):
        page.headers["Retry-After"] = str(err.retry_after)
    return page
