"""Session login and logout, the acting user of a page, and the CSRF token every form carries."""

import hmac
import secrets
from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup, escape

from app.domain.actors import Actor
from app.domain.errors import Forbidden, TooManyAttempts, Unauthenticated
from app.extensions import runtime
from app.services.logins import LoginPolicy, sign_in
from app.services.tenancy import serve_for
from app.services.users import active_actor
from app.services.web_sessions import end_session, session_user, start_session

bp = Blueprint("auth", __name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def current_actor() -> Actor | None:
    """Return the logged-in user of this request, or None (loaded once per request)."""
    if "web_actor" not in g:
        username = session_user(runtime(), session.get("sid"))  # a logged-out session's cookie signs no one in
        found = active_actor(runtime(), username) if username else None
        g.web_actor, g.web_display_name = found if found else (None, None)
        if g.web_actor is not None:
            serve_for(g.web_actor)
    return g.web_actor


def display_name() -> str | None:
    current_actor()
    return g.web_display_name


def login_required(view):
    """Send an anonymous visitor to the login page, then back."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_actor() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def require(permission: str) -> Actor:
    """Return the current actor if they hold `permission`; raise Forbidden (a 403 page) otherwise."""
    actor = current_actor()
    if actor is None:
        raise Unauthenticated("请先登录")
    actor.require(permission)
    return actor


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def csrf_field() -> Markup:
    """Return the hidden input every POST form includes."""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


class StaleForm(Forbidden):
    """A form posted without this session's token: from another site, or from before a new login."""


def check_csrf() -> None:
    """Refuse a state-changing request whose form field or header does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        if current_actor() is None and request.endpoint != "auth.login":
            raise Unauthenticated("登录已过期，请重新登录")  # to the login page, then back to the form
        raise StaleForm("表单已过期或来源不明，请刷新页面后重试")


def safe_target(target: str | None, default: str) -> str:
    """Return `target` if it is a path on this site (no open redirect), else `default`."""
    parts = urlparse(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


@bp.get("/")
def home():
    """Send a user to the page of their work."""
    actor = current_actor()
    if actor is None:
        return redirect(url_for("auth.login"))
    return redirect(home_path(actor))


def home_path(actor: Actor) -> str:
    """Return the first page of a user's role."""
    for group, path in (("designer", "/designer"), ("supervisor", "/supervisor"), ("auditor", "/auditor")):
        if group in actor.groups and _has_path(path):
            return path
    return url_for("inbox.index")


def _has_path(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    return adapter.test(path, method="GET")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on valid credentials start a fresh session."""
    if request.method == "GET":
        return render_template("login.html", username="", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    try:
        actor = sign_in(runtime(), username, request.form.get("password", ""), request.remote_addr or "",
                        LoginPolicy.from_settings(current_app.config))  # rate-limited like the API
    except (Unauthenticated, TooManyAttempts) as err:
        return render_template("login.html", username=username, next=request.form.get("next", ""),
                               error=err.message), err.status
    session.clear()  # a new session id and token on login: no fixation
    session["sid"] = start_session(runtime(), actor.username)
    session["username"] = actor.username
    session.permanent = False
    flash("已登录", "info")
    return redirect(safe_target(request.form.get("next"), url_for("auth.home")))


@bp.post("/logout")
def logout():
    """End the session, on the server too."""
    end_session(runtime(), session.get("sid"))
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
