"""case_event.changed stored compressed with the states' dictionary (bytea; SQLite BLOB)

An event's changes are a few hundred bytes of JSON (the county's settings at a case's start, 833 bytes; a form's
values, 300–600), below the 2 KB from which PostgreSQL compresses a row, and they repeat what every case's state
holds: the keys and values the state's preset dictionary (app/engine/state.zdict) was made from. Compressed with it,
a paid 低保 case's changes take 402 bytes instead of 2,353. The service reads and writes the same values
(app/store/types.py PackedJSON), and an event's hash covers the values, not the form they are stored in, so no hash
changes.

The existing values are kept as their JSON text, as bytes (a reader tells them from a compressed value by the
first byte): the upgrade is one ALTER TABLE on PostgreSQL, rewriting each month partition once under an exclusive
lock; on SQLite the values are made BLOBs in place, then the column's type is changed. Events written after it are
compressed. The downgrade decompresses the compressed values (in Python, with the append-only trigger disabled for
that UPDATE in the migration's transaction on PostgreSQL) and gives the column its JSON type back.

Revision ID: 0044
Revises: 0043
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

from app.store.types import json_text, unpack_json

revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_event ALTER COLUMN changed TYPE bytea USING convert_to(changed::text, 'UTF8')")
        return
    op.execute("UPDATE case_event SET changed = CAST(changed AS BLOB)")
    with op.batch_alter_table("case_event") as batch:
        batch.alter_column("changed", type_=sa.LargeBinary(), existing_type=sa.JSON(), existing_nullable=False)


def downgrade():
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
    packed = connection.execute(text("SELECT id, changed FROM case_event WHERE substr(changed, 1, 1) = :zlib"),
                                {"zlib": b"\x78"}).all()
    for event_id, changed in packed:
        connection.execute(text("UPDATE case_event SET changed = :plain WHERE id = :id"),
                           {"plain": json_text(unpack_json(changed)).encode(), "id": event_id})
    if postgresql:
        op.execute("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only")
        op.execute("ALTER TABLE case_event ALTER COLUMN changed TYPE json USING convert_from(changed, 'UTF8')::json")
        return
    op.execute("UPDATE case_event SET changed = CAST(changed AS TEXT)")
    with op.batch_alter_table("case_event") as batch:
        batch.alter_column("changed", type_=sa.JSON(), existing_type=sa.LargeBinary(), existing_nullable=False)
