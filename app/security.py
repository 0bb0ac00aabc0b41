"""Security headers on every response, and the per-request CSP nonce inline scripts must carry.

Pages may load scripts and styles from the service itself only; an inline `<script>` runs
only with `nonce="{{ csp_nonce() }}"`. No page may be framed (clickjacking), no response
sniffed as another type, and no URL leaks to other sites in the Referer.
"""

import secrets

from flask import Flask, Request, Response, g, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.routing import IntegerConverter

from .config import is_loopback

CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def csp_nonce() -> str:
    """Return this request's nonce for inline scripts."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.is_json or response.status_code >= 400:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _demo_only_here() -> Response | None:
    """In demo mode answer only this machine, however the server was bound (`flask run --host 0.0.0.0`)."""
    if is_loopback(request.remote_addr):
        return None
    response = jsonify({"type": "AuthorizationException", "field": "DEMO",
                        "message": "演示模式（DEMO=1）只服务本机：演示用户的密码是公开的"})
    response.status_code = 403
    return response


def init_security(app: Flask) -> None:
    """Add the security headers to every response; offer `csp_nonce()` to templates."""
    if app.config.get("DEMO"):
        app.before_request(_demo_only_here)
    app.after_request(_secure_headers)
    app.context_processor(lambda: {"csp_nonce": csp_nonce})
    app.session_interface = CookieSessions()


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, with no signer built for a request that carries no such cookie (every REST
    client's call): its session starts empty either way, and building the signer was about 1% of the service's
    CPU under the bench load."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what every database's BIGINT holds: a larger id is 404, not an overflow."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
