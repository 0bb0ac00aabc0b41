"""Per-integration API tokens: shown once at creation, stored as sha256, revocable, acting as their owner."""

import hashlib
import secrets

from sqlalchemy import select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, Unauthenticated, ValidationFailed
from app.store.tables import ApiToken, User

from .runtime import Runtime

PREFIX = "sjt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(rt: Runtime, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Create a token owned by the actor; return the row and the token text (never stored, never shown again)."""
    actor.require("token.manage")
    if not name or not name.strip() or len(name) > 200:
        raise ValidationFailed("name 须为 1–200 个字符", field="name")
    token = PREFIX + secrets.token_urlsafe(32)
    with rt.unit_of_work() as uow:
        row = ApiToken(name=name.strip(), token_hash=_digest(token), username=actor.username, created=clock.now())
        uow.session.add(row)
        uow.commit()
        uow.session.refresh(row)
        uow.session.expunge(row)
    return row, token


def list_tokens(rt: Runtime, actor: Actor) -> list[ApiToken]:
    """Return the actor's own tokens, newest first (hashes are never returned by the API)."""
    actor.require("token.manage")
    with rt.reading() as uow:
        rows = list(uow.session.scalars(select(ApiToken).where(ApiToken.username == actor.username)
                                        .order_by(ApiToken.id.desc())))
        uow.session.expunge_all()
    return rows


def revoke_token(rt: Runtime, actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's tokens; another user's token is 404."""
    actor.require("token.manage")
    with rt.unit_of_work() as uow:
        row = uow.session.get(ApiToken, token_id)
        if row is None or row.username != actor.username:
            raise NotFound(f"没有令牌 {token_id}")
        if row.revoked_at is None:
            row.revoked_at = clock.now()
        uow.commit()


def actor_for_token(rt: Runtime, token: str) -> Actor:
    """Return the owner of an active token, or raise Unauthenticated."""
    with rt.reading() as uow:
        row = uow.session.execute(select(ApiToken, User).join(User, User.username == ApiToken.username)
                                  .where(ApiToken.token_hash == _digest(token))).first()
        if row is None or row.ApiToken.revoked_at is not None or not row.User.active:
            raise Unauthenticated("令牌无效或已撤销")
        return Actor(row.User.username, row.User.org_path, frozenset(row.User.groups))
