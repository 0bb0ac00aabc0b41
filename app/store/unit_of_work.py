"""One unit of work per command: owns the session, rolls back unless committed; and one per read."""

from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import Conflict

from .calendar_generation import READ_ONLY
from .failures import unavailable
from .scope import current_scope

CONFLICT_MESSAGE = "案件已被他人同时修改，请刷新后重试"
DUPLICATE_BUSINESS_KEY = "业务键已由同一流程的另一个进行中的案件使用（同时发起）"
# PostgreSQL names the index (the counties' or the province's, migration 0050); SQLite names its columns
_ACTIVE_BUSINESS_KEY = ("uq_process_instance_active_business_key",
                        "process_instance.tenant_id, process_instance.definition_key, process_instance.business_key",
                        "process_instance.definition_key, process_instance.business_key")


def _is_concurrent_write(err: Exception) -> bool:
    """A stale case version, or a second event with the same case sequence number."""
    return isinstance(err, StaleDataError) or (isinstance(err, IntegrityError) and "case_event" in str(err.orig))


def _is_duplicate_business_key(err: Exception) -> bool:
    """Two starts raced to give two active cases of one process the same business key."""
    return isinstance(err, IntegrityError) and any(name in str(err.orig) for name in _ACTIVE_BUSINESS_KEY)


class UnitOfWork:
    """`with UnitOfWork(factory) as uow: ...; uow.commit()` — exactly one commit per command.

    A read (`read_only`) runs in a transaction PostgreSQL keeps from writing, and ends it with COMMIT
    (a `snapshot` read sees the whole database as of one moment, however many statements it takes):
    psycopg forgets every statement it has prepared on a connection when the connection rolls back,
    so reads that rolled back kept the service's statements from ever being prepared, and PostgreSQL
    parsed and planned each one on every execution.

    A database failure that is no fault of the request (a lock or statement timeout, a deadlock, a lost
    connection) leaves as `Unavailable` (503): app/store/failures.py. Inside a request, a command commits
    only before the request's deadline, and with the request's idempotency key (app/store/scope.py).
    """

    def __init__(self, session_factory: sessionmaker[Session], read_only: bool = False, snapshot: bool = False) -> None:
        self._factory = session_factory
        self.read_only = read_only or snapshot
        self.snapshot = snapshot
        self.session: Session  # opened by __enter__

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        try:
            if self.read_only:
                self._begin_reading()
            elif (scope := current_scope()) is not None:
                scope.on_begin(self.session)
        except BaseException as err:
            self.__exit__(type(err), err, None)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self.read_only and exc is None:
                self._commit()
        finally:
            self._close()
        if exc is None:
            return
        if not isinstance(exc, Exception):
            return
        if _is_concurrent_write(exc):
            raise Conflict(CONFLICT_MESSAGE) from exc
        if _is_duplicate_business_key(exc):
            raise Conflict(DUPLICATE_BUSINESS_KEY, field="businessKey") from exc
        if isinstance(exc, (DBAPIError, PoolTimeout)) and (failure := unavailable(exc)) is not None:
            raise failure from exc

    def _begin_reading(self) -> None:
        """A read-only transaction; a `snapshot` sees every row as of its first statement (REPEATABLE READ)."""
        self.session.info[READ_ONLY] = True  # nothing it computes is stored: it holds no calendar lock
        options: dict[str, Any] = {"postgresql_readonly": True}
        dialect = self.session.get_bind().dialect.name
        if self.snapshot and dialect == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        connection = self.session.connection(execution_options=options)
        if self.snapshot and dialect == "sqlite":  # pysqlite begins no transaction before a SELECT by itself
            connection.exec_driver_sql("BEGIN")

    def commit(self) -> None:
        scope = current_scope()
        if scope is not None:
            scope.before_commit()
        self._commit()
        if scope is not None:
            scope.commits += 1

    def _commit(self) -> None:
        try:
            self.session.commit()
        except DBAPIError as err:
            failure = unavailable(err, at_commit=True)
            if failure is None:
                raise
            raise failure from err

    def _close(self) -> None:
        try:
            self.session.rollback()  # nothing left to roll back after a commit
        except DBAPIError:  # the connection is gone: nothing to roll back either
            pass
        finally:
            self.session.close()
