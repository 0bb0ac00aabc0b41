"""Engine and session factory, made once per app from its DATABASE_URL."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .digests import sha256_hex
from .types import hex_bytes_or_none, json_text


@dataclass(frozen=True)
class DatabaseLimits:
    """How long a session may wait for a lock, run one statement, and sit idle inside a transaction (ms)."""

    lock_ms: int = 2000
    statement_ms: int = 30000
    idle_in_transaction_ms: int = 15000

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "DatabaseLimits":
        return cls(settings["DB_LOCK_TIMEOUT_MS"], settings["DB_STATEMENT_TIMEOUT_MS"],
                   settings["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"])

    def options(self) -> str:
        """PostgreSQL's settings for every session, given at connect: no statement spent setting them."""
        return (f"-c lock_timeout={self.lock_ms} -c statement_timeout={self.statement_ms} "
                f"-c idle_in_transaction_session_timeout={self.idle_in_transaction_ms}")


def make_engine(url: str, limits: DatabaseLimits = DatabaseLimits()) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout (its only lock wait)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, json_serializer=json_text,
                               connect_args={"timeout": limits.lock_ms / 1000, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            dbapi_connection.create_function("sha256_hex", 1, sha256_hex, deterministic=True)
            # a bytes column's value (a sha256, a packed value) from its hex digits, as app/store/writes.py inserts
            # them from JSON
            dbapi_connection.create_function("hex_bytes", 1, hex_bytes_or_none, deterministic=True)

        return _multi_row_inserts(engine)
    # JIT compiles a plan in ~50-900 ms: a loss for the service's short indexed queries
    # no pre-ping (a round trip per checkout): a connection the server dropped fails one request, and
    # SQLAlchemy then discards the whole pool, so the next request reconnects
    # LIFO: requests keep to the connections used last, on which psycopg has prepared their statements
    # (at a statement's sixth execution on a connection); first-in-first-out spread them over the pool
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_use_lifo=True, json_serializer=json_text,
                           connect_args={"options": f"-c jit=off {limits.options()}", "connect_timeout": 5,
                                         "application_name": "assistance"})
    event.listen(engine, "do_execute", _generic_plan)
    return _multi_row_inserts(engine)


# A read of one case's rows in a month-partitioned table names the case and the month before it started
# (app/store/partitions.py). Planned for its values, PostgreSQL plans every month from then to now: some 120 for a
# ten-year-old case, 10-40 ms of planning for a read that runs in 1-2 ms. Marked `generic_plan`, such a statement is
# prepared on its first use on a connection, planned once for any case (a generic plan, which PostgreSQL keeps with
# the prepared statement) and pruned to the case's months when it runs.
GENERIC_PLAN = {"generic_plan": True}


def _generic_plan(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    if not context.execution_options.get("generic_plan") or cursor.connection.autocommit:
        return None  # (SET LOCAL holds only inside a transaction)
    connection = cursor.connection
    # the setting for this statement alone, sent with it in one round trip (psycopg's pipeline mode); a statement
    # that fails aborts the transaction, which ends the setting with it
    with connection.pipeline(), connection.cursor() as setting:
        setting.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(statement, parameters, prepare=True)
        setting.execute("SET LOCAL plan_cache_mode TO DEFAULT")
    return True


def _multi_row_inserts(engine: Engine) -> Engine:
    """Several ORM rows for one table (a deployment's resources, say) go as one multi-row INSERT, not one each."""
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
