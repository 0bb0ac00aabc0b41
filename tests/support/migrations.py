"""A test's database taken down to an earlier revision and brought back to the head afterwards, whatever happens."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine


@contextmanager
def at_revision(app, revision: str) -> Iterator[Engine]:
    """The app's database at `revision` inside the block (its engine given), at the head again after it. The pool is
    emptied each way: no connection keeps a statement prepared over the other revision's column types."""
    engine = app.extensions["db_engine"]
    try:
        with app.app_context():
            downgrade(revision=revision)
        engine.dispose()
        yield engine
    finally:
        with app.app_context():
            upgrade()
        engine.dispose()
