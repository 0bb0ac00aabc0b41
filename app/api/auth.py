"""Who is calling: HTTP Basic (rate-limited sign-in) or `Authorization: Bearer` with an integration token."""

from flask import current_app, request

from app.domain.actors import Actor
from app.domain.errors import Unauthenticated
from app.services.logins import LoginPolicy, sign_in
from app.services.tenancy import serve_for
from app.services.tokens import actor_for_token

from .support import runtime


def request_actor() -> Actor:
    """Return the actor the request's credentials name (whose county the request is then served for), or raise
    401/429."""
    actor = _credited_actor()
    serve_for(actor)
    return actor


def _credited_actor() -> Actor:
    auth = request.authorization
    if auth is not None and auth.type == "bearer" and auth.token:
        return actor_for_token(runtime(), auth.token)
    if auth is None or auth.type != "basic" or not auth.username:
        raise Unauthenticated("需要 HTTP Basic 认证或 Bearer 令牌")
    return sign_in(runtime(), auth.username, auth.password or "", request.remote_addr or "",
                   LoginPolicy.from_settings(current_app.config))
