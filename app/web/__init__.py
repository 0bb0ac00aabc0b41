"""Server-rendered pages in Chinese: one blueprint per role or area, behind a session login."""

from importlib import import_module
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Flask,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError, NotPermitted, Unauthenticated
from app.services.archived_cases import CaseArchived

from .attachments import allow_upload_bodies
from .auth import StaleForm, check_csrf, csrf_field, csrf_token, current_actor, display_name
from .cases import archived_page
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
    app.extensions["page_errors"] = _http_page  # app/api/errors.py: JSON under /engine-rest and /api only
    app.add_url_rule("/favicon.ico", "favicon", lambda: send_from_directory(
        assets.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400))


# what a page says an error is, and what the reader can do next
NEXT_STEPS = {
    403: "您的岗位没有此项功能的权限。如确需办理，请联系本单位系统管理员调整岗位；也可返回待办，办理分配给您的事项。",
    404: "要找的页面或案件不存在，或不在您的管辖范围内。请检查地址，或从待办、案件列表重新进入。",
    405: "此页面不能这样打开。请从菜单或待办重新进入。",
    409: "他人刚刚办理了同一事项，请刷新后查看最新情况。",
    413: "上传的内容过大，请压缩或分次上传。",
    503: "系统繁忙，请稍候一分钟再试；已填写的内容仍保留在本机草稿中。",
}
TITLES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "无法打开此页面", 409: "操作冲突", 413: "内容过大",
          503: "暂时无法办理，请稍后重试"}


def _page(status: int, message: str | None):
    return make_response(render_template("error.html", title=TITLES.get(status, "操作未完成"), status=status,
                                         message=message, next_step=NEXT_STEPS.get(status)), status)


def _http_page(err: HTTPException):
    """An unknown page or a refused method, for a person: a Chinese page saying what to do next."""
    return _page(err.code or 500, None)


def _error_page(err: DomainError):
    """Render a domain error as a page (the API answers JSON; pages answer HTML)."""
    if isinstance(err, Unauthenticated):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method == "POST" and err.status == 409:
        flash(err.message, "error")
        return redirect(_same_site_referrer() or url_for("inbox.index"))
    if isinstance(err, StaleForm) and (back := _same_site_referrer()):
        # an expired or replaced session's form: back to it, where the browser's draft restores what was typed
        flash("页面已过期（可能已重新登录），您填写的内容已从本机草稿恢复，请核对后再次提交。", "error")
        return redirect(back)
    if isinstance(err, CaseArchived) and request.method == "GET":  # told only to whoever may see the case
        return archived_page(err.record)
    # a permission code means nothing to the reader; the page says what to do instead
    message = None if isinstance(err, NotPermitted) else err.message
    page = _page(err.status, message)
    if getattr(err, "retry_after", None):
        page.headers["Retry-After"] = str(err.retry_after)
    return page


def _same_site_referrer() -> str | None:
    back = urlparse(request.referrer or "")
    if back.netloc != request.host or not back.path.startswith("/"):
        return None
    return back.path + (f"?{back.query}" if back.query else "")
