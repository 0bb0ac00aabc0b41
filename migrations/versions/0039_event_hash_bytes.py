"""case_event's hashes as their 32 bytes; its prev_hash no longer stored

A province keeps every event of ten years of cases (8.5 KB of a 低保 case's 27 KB). Each event held three sha256
values as 64-character hex text, 65 bytes each with the length header:
- `state_hash` and `hash` become `bytea` (SQLite: BLOB), 33 bytes each. The service reads and writes them as the
  same hex strings as before (app/store/types.py Sha256): every page, API and archive shows what it showed, and the
  hash values themselves do not change (only the form they are stored in).
- `prev_hash` is dropped: it was the previous event's `hash`, stored again. Verification recomputes each event's
  hash over its content and the previous event's hash as read from that event (app/services/audit.py), which is
  the value `prev_hash` had to equal; readers that show it derive it from the event before (app/store/tables.py
  chain_hashes); the archive still writes it.

On PostgreSQL one ALTER TABLE drops the column and converts the two others, rewriting each month partition once
(the dropped column's values go with the rewrite). It holds an exclusive lock on case_event meanwhile: on a
province's tens of millions of events, minutes. On SQLite the values are converted in place, then the table is
rebuilt with the new column types.

The downgrade converts the hashes back to hex text and fills `prev_hash` again from each case's previous event
(on PostgreSQL with the append-only trigger disabled for that one UPDATE, in the migration's transaction).

Revision ID: 0039
Revises: 0037
"""
import sqlalchemy as sa
from alembic import op

from app.store.types import sha256_bytes

revision = '0039'
down_revision = '0037'
branch_labels = None
depends_on = None

HASHES = ("state_hash", "hash")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_event DROP COLUMN prev_hash, "
                   + ", ".join(f"ALTER COLUMN {c} DROP DEFAULT, ALTER COLUMN {c} TYPE bytea USING decode({c}, 'hex')"
                               for c in HASHES))
        return
    # SQLite: the hex text made bytes in place (a column takes any type of value), then the columns' types changed
    _sqlite_function("sha256_bytes", lambda value: None if value is None else sha256_bytes(value))
    op.execute("UPDATE case_event SET " + ", ".join(f"{c} = sha256_bytes({c})" for c in HASHES))
    with op.batch_alter_table("case_event") as batch:
        for column in HASHES:
            batch.alter_column(column, type_=sa.LargeBinary(), existing_type=sa.String(64), existing_nullable=False,
                               server_default=None)
        batch.drop_column("prev_hash")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_event ADD COLUMN prev_hash varchar(64), "
                   + ", ".join(f"ALTER COLUMN {c} TYPE varchar(64) USING encode({c}, 'hex'), "
                               f"ALTER COLUMN {c} SET DEFAULT ''" for c in HASHES))
        op.execute("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
        op.execute(PREVIOUS)
        op.execute("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only")
        return
    op.execute("UPDATE case_event SET " + ", ".join(f"{c} = lower(hex({c}))" for c in HASHES))
    with op.batch_alter_table("case_event") as batch:
        for column in HASHES:
            batch.alter_column(column, type_=sa.String(64), existing_type=sa.LargeBinary(), existing_nullable=False,
                               server_default="")
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
    op.execute(PREVIOUS)


# each event's prev_hash: the hash of its case's event before it (none for the first)
PREVIOUS = """
UPDATE case_event SET prev_hash = p.prev
FROM (SELECT id, lag(hash) OVER (PARTITION BY process_instance_id ORDER BY seq) AS prev FROM case_event) AS p
WHERE case_event.id = p.id AND p.prev IS NOT NULL
"""


def _sqlite_function(name, function):
    """A function the migration's SQL calls, on its own connection (the service's connections have it too)."""
    op.get_bind().connection.driver_connection.create_function(name, 1, function, deterministic=True)
