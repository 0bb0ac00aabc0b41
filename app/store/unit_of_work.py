"""One unit of work per command: owns the session, rolls back unless committed."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import Conflict

CONFLICT_MESSAGE = "案件已被他人同时修改，请刷新后重试"


def _is_concurrent_write(err: Exception) -> bool:
    """A stale case version, or a second event with the same case sequence number."""
    return isinstance(err, StaleDataError) or (isinstance(err, IntegrityError) and "case_event" in str(err.orig))


class UnitOfWork:
    """`with UnitOfWork(factory) as uow: ...; uow.commit()` — exactly one commit per command."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self._factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.session.rollback()
        self.session.close()
        if exc is not None and _is_concurrent_write(exc):
            raise Conflict(CONFLICT_MESSAGE) from exc

    def commit(self) -> None:
        self.session.commit()
