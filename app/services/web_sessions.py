"""Browser sessions kept on the server: the signed cookie names a session, and only a live one signs a user in.

Flask's session is a signed cookie, valid until its signature ages out (SESSION_HOURS) wherever it is copied to;
so the cookie carries a random token and the server keeps its sha256 with the session's end, set at logout.
"""

import hashlib
import secrets

from sqlalchemy import select, update

from app.domain import clock
from app.store.tables import WebSession

from .runtime import Runtime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(rt: Runtime, username: str) -> str:
    """Record a new session of `username`; return the token its cookie carries."""
    token = secrets.token_urlsafe(32)
    with rt.unit_of_work() as uow:
        uow.session.add(WebSession(token_hash=_hash(token), username=username, started_at=clock.now()))
        uow.commit()
    return token


def session_user(rt: Runtime, token: str | None) -> str | None:
    """Return the user of a live session, or None for an unknown or ended one."""
    if not token or not isinstance(token, str):
        return None
    with rt.reading() as uow:
        return uow.session.scalar(select(WebSession.username).where(WebSession.token_hash == _hash(token),
                                                                    WebSession.ended_at.is_(None)))


def end_session(rt: Runtime, token: str | None) -> None:
    """End a session: its cookie no longer signs anyone in, wherever it was copied."""
    if not token or not isinstance(token, str):
        return
    with rt.unit_of_work() as uow:
        uow.session.execute(update(WebSession).where(WebSession.token_hash == _hash(token),
                                                     WebSession.ended_at.is_(None)).values(ended_at=clock.now()))
        uow.commit()
