"""Many rows into one table at once: PostgreSQL's COPY, or an executemany elsewhere."""

from datetime import UTC
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from .types import UTCDateTime


def bulk_insert(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` (tuples of `columns`' values) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # COPY bypasses the column types: aware times go in as the naive UTC that UTCDateTime stores
    times = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
    driver: Any = connection.connection.driver_connection
    with driver.cursor().copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            values = list(row)
            for i in times:
                values[i] = values[i].astimezone(UTC).replace(tzinfo=None)
            copy.write_row(values)
