"""On PostgreSQL a connection keeps the statements prepared for it, whatever reads run in between.

psycopg prepares a statement on the server once a connection has executed it five times, and
forgets every statement it prepared whenever the connection rolls back. Reads therefore end with
COMMIT in a read-only transaction (`Runtime.reading`), so that a command's statements are parsed
and planned once per connection, not on every execution.
"""

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import InternalError

from app import create_app
from app.config import Config
from app.store.tables import Task
from tests.conftest import Api
from tests.support.dibao_steps import Case

CASES = 7  # psycopg prepares a statement at its sixth execution on a connection


def _on_postgresql(runtime) -> None:
    if runtime.session_factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("prepared statements and read-only transactions are PostgreSQL's")


def test_a_connection_keeps_its_prepared_statements_across_reads(app, runtime, clock):
    _on_postgresql(runtime)
    # a second app on the same database, with a pool of its own that one thread keeps to its last connection
    alone = create_app(Config(DATABASE_URL=app.config["DATABASE_URL"], SECRET_KEY="prepared", TESTING=True,
                              SCHEDULER=False))
    client = alone.test_client()
    engine = alone.extensions["db_engine"]
    try:
        for _ in range(CASES):  # start, inbox read, 受理, inbox read, 入户调查, fetch and lock, data matching
            case = Case(lambda user: Api(client, user))
            case.accept()
            case.investigate()
        with engine.connect() as connection:
            prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    finally:
        engine.dispose()
    assert any(s.startswith("WITH w0 AS (UPDATE process_instance") for s in prepared), prepared  # a command's writes
    assert any("FROM task JOIN process_instance" in s for s in prepared), prepared  # the task and its case
    assert any("FROM task \nWHERE task.org_path LIKE" in s for s in prepared), prepared  # the inbox


def test_a_read_cannot_write(runtime):
    _on_postgresql(runtime)
    with pytest.raises(InternalError, match="read-only transaction"), runtime.reading() as uow:
        uow.session.execute(update(Task).where(Task.id == "none").values(name="x"))
