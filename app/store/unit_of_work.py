"""One unit of work per command: owns the session, rolls back unless committed; and one per read."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import Conflict

CONFLICT_MESSAGE = "案件已被他人同时修改，请刷新后重试"


def _is_concurrent_write(err: Exception) -> bool:
    """A stale case version, or a second event with the same case sequence number."""
    return isinstance(err, StaleDataError) or (isinstance(err, IntegrityError) and "case_event" in str(err.orig))


class UnitOfWork:
    """`with UnitOfWork(factory) as uow: ...; uow.commit()` — exactly one commit per command.

    A read (`read_only`) runs in a transaction PostgreSQL keeps from writing, and ends it with COMMIT:
    psycopg forgets every statement it has prepared on a connection when the connection rolls back,
    so reads that rolled back kept the service's statements from ever being prepared, and PostgreSQL
    parsed and planned each one on every execution.
    """

    def __init__(self, session_factory: sessionmaker[Session], read_only: bool = False):
        self._factory = session_factory
        self.read_only = read_only
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        if self.read_only:
            self.session.connection(execution_options={"postgresql_readonly": True})
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.read_only and exc is None:
                self.session.commit()
        finally:
            self.session.rollback()  # nothing left to roll back after a commit
            self.session.close()
        if exc is not None and _is_concurrent_write(exc):
            raise Conflict(CONFLICT_MESSAGE) from exc

    def commit(self) -> None:
        self.session.commit()
