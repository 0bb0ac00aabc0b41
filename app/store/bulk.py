"""Many rows into one table at once: PostgreSQL's COPY, or an executemany elsewhere."""

from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session


def _plain(value):
    """Aware times as naive UTC, as UTCDateTime stores them (COPY bypasses the column type)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) in the session's transaction."""
    if not rows:
        return
    columns = list(rows[0])
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(_plain(row[c]) for c in columns))
