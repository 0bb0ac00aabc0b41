"""Which database failures are a 503 the client may retry, which the service retries once, and which are defects."""

import sqlite3

import psycopg
import pytest
from sqlalchemy import exc

from app.store.failures import unavailable


def _wrapped(orig: Exception, kind=exc.OperationalError, invalidated: bool = False) -> exc.DBAPIError:
    return kind("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize("orig, retryable", [
    (psycopg.errors.DeadlockDetected("deadlock detected"), True),
    (psycopg.errors.SerializationFailure("could not serialize access"), True),
    (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), False),
    (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
    (psycopg.errors.TooManyConnections("too many clients"), False),
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
    (psycopg.OperationalError("server closed the connection unexpectedly"), True),
    (sqlite3.OperationalError("database is locked"), True),
])
def test_transient_failures_are_503_with_retry_after(orig, retryable):
    failure = unavailable(_wrapped(orig))
    assert failure is not None and failure.status == 503 and failure.retry_after >= 1
    assert failure.retryable is retryable


def test_a_connection_lost_during_commit_is_not_run_again():
    failure = unavailable(_wrapped(psycopg.OperationalError("server closed the connection"), invalidated=True),
                          at_commit=True)
    assert failure is not None and not failure.retryable and "Idempotency-Key" in failure.message


def test_a_pool_that_stays_exhausted_is_a_503():
    assert unavailable(exc.TimeoutError("QueuePool limit reached")).status == 503


@pytest.mark.parametrize("orig, kind", [
    (psycopg.errors.UniqueViolation("duplicate key"), exc.IntegrityError),
    (psycopg.errors.UndefinedTable("relation does not exist"), exc.ProgrammingError),
])
def test_defects_are_not_disguised_as_503(orig, kind):
    assert unavailable(_wrapped(orig, kind)) is None
    assert unavailable(ValueError("not a database failure")) is None
