"""Many rows into one table at once: PostgreSQL's COPY, or an executemany elsewhere."""

from datetime import UTC

from sqlalchemy import Table
from sqlalchemy.orm import Session

from .types import UTCDateTime


def bulk_insert(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows` (tuples of `columns`' values) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # COPY bypasses the column types: aware times go in as the naive UTC that UTCDateTime stores
    times = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            if times:
                row = list(row)
                for i in times:
                    row[i] = row[i].astimezone(UTC).replace(tzinfo=None)
            copy.write_row(row)
