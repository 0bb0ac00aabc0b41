"""monthly partitions of case_event, history_activity and access_log (PostgreSQL only; nothing changes on SQLite)

Each table becomes a declaratively partitioned table by month of its row's time (case_event.at,
history_activity.start_time, access_log.at), with a partition per month of the rows it already held, the
months ahead (app/store/partitions.py) and a default partition, so an insert never fails for want of one.

A partitioned table's primary key and unique constraints must contain the partition key:
- case_event: primary key (id, at); the chain's unique (process_instance_id, seq) becomes
  (process_instance_id, seq, at). Two events of a case with one seq can no longer be told apart by the index
  alone; what keeps them out is the case row's version, which every command moves from the version it read in
  the statement that appends its events (app/store/writes.py): a second writer of the same seq matches no row
  and writes nothing. Verification checks the chain's seqs one by one (app/services/audit.py).
- history_activity: primary key (id, start_time): an activity's end is set by an UPDATE of its id
  (app/services/projection.py), no longer by an upsert on the id alone.
- access_log: primary key (id, at).
Lists over a scope, newest or oldest first a page at a time (GET /history/activity-instance, the read log), read
each partition through an index on their order: history_activity (start_time, id), access_log (at, id), on
PostgreSQL only (SQLite reads one plain table). The ids become bigint (a province's ten years of events and reads pass 2^31).

The append-only rule moves from statement triggers to row triggers on the partitioned table, which PostgreSQL
copies onto every partition, those made later included (a DELETE or UPDATE aimed at one partition is refused
too); TRUNCATE, which row triggers do not see, is refused by a statement trigger on the table and on each
partition. The history clean-up's switch (migration 0024) still lets its own DELETE through.

Revision ID: 0029
Revises: 0028
"""
from datetime import UTC, datetime

from alembic import op
from sqlalchemy import text

from app.store.partitions import ensure_partitions, no_truncate

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

TABLES = {"case_event": "at", "history_activity": "start_time", "access_log": "at"}  # each with its partition key
APPEND_ONLY = ("case_event", "access_log")
BIG_IDS = ("case_event", "access_log")

# one function for the row triggers (partitioned tables) and the statement triggers (notice, payment_ledger)
REFUSE = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('assistance.history_cleanup', true) = 'on' THEN
        IF TG_LEVEL = 'ROW' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

# what each table has besides its columns: (the old constraints and indexes to drop, the new ones to make)
OLD = {
    "case_event": ("ALTER TABLE case_event_unpartitioned DROP CONSTRAINT case_event_pkey",
                   "ALTER TABLE case_event_unpartitioned DROP CONSTRAINT case_event_process_instance_id_seq_key",
                   "ALTER TABLE case_event_unpartitioned DROP CONSTRAINT case_event_process_instance_id_fkey",
                   "DROP TRIGGER case_event_append_only ON case_event_unpartitioned"),
    "history_activity": ("ALTER TABLE history_activity_unpartitioned DROP CONSTRAINT history_activity_pkey",
                         "ALTER TABLE history_activity_unpartitioned DROP CONSTRAINT "
                         "history_activity_process_instance_id_fkey",
                         "DROP INDEX ix_history_activity_process_instance_id"),
    "access_log": ("ALTER TABLE access_log_unpartitioned DROP CONSTRAINT access_log_pkey",
                   "DROP INDEX ix_access_log_case",
                   "DROP TRIGGER access_log_append_only ON access_log_unpartitioned"),
}
NEW = {
    "case_event": ("ALTER TABLE case_event ADD CONSTRAINT case_event_pkey PRIMARY KEY (id, at)",
                   "ALTER TABLE case_event ADD CONSTRAINT case_event_process_instance_id_seq_key "
                   "UNIQUE (process_instance_id, seq, at)",
                   "ALTER TABLE case_event ADD CONSTRAINT case_event_process_instance_id_fkey "
                   "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)"),
    "history_activity": ("ALTER TABLE history_activity ADD CONSTRAINT history_activity_pkey "
                         "PRIMARY KEY (id, start_time)",
                         "ALTER TABLE history_activity ADD CONSTRAINT history_activity_process_instance_id_fkey "
                         "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)",
                         "CREATE INDEX ix_history_activity_process_instance_id ON history_activity "
                         "(process_instance_id)",
                         "CREATE INDEX ix_history_activity_start ON history_activity (start_time, id)"),
    "access_log": ("ALTER TABLE access_log ADD CONSTRAINT access_log_pkey PRIMARY KEY (id, at)",
                   "CREATE INDEX ix_access_log_case ON access_log (process_instance_id, at)",
                   "CREATE INDEX ix_access_log_at ON access_log (at, id)"),
}


def append_only_triggers(table: str) -> list[str]:
    """The append-only rule on a partitioned table: row triggers (copied to every partition) and TRUNCATE."""
    return [f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()"]


def _partition(table: str, key: str) -> None:
    op.execute(f"ALTER TABLE {table} RENAME TO {table}_unpartitioned")
    for statement in OLD[table]:
        op.execute(statement)
    op.execute(f"CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE ({key})")
    if table in BIG_IDS:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS bigint OWNED BY {table}.id")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE bigint")
    op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    conn = op.get_bind()
    oldest = conn.scalar(text(f"SELECT min({key}) FROM {table}_unpartitioned"))
    ensure_partitions(conn, datetime.now(UTC), since=oldest)
    op.execute(f"INSERT INTO {table} SELECT * FROM {table}_unpartitioned")
    op.execute(f"DROP TABLE {table}_unpartitioned")
    for statement in NEW[table]:
        op.execute(statement)
    if table in APPEND_ONLY:
        for statement in append_only_triggers(table):
            op.execute(statement)
        op.execute(no_truncate(f"{table}_default"))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps its plain tables
    op.execute(REFUSE)
    for table, key in TABLES.items():
        _partition(table, key)


UNDO_NEW = {
    "case_event": ("ALTER TABLE case_event_partitioned DROP CONSTRAINT case_event_process_instance_id_fkey",
                   "ALTER TABLE case_event_partitioned DROP CONSTRAINT case_event_process_instance_id_seq_key",
                   "ALTER TABLE case_event_partitioned DROP CONSTRAINT case_event_pkey"),
    "history_activity": ("ALTER TABLE history_activity_partitioned DROP CONSTRAINT "
                         "history_activity_process_instance_id_fkey",
                         "ALTER TABLE history_activity_partitioned DROP CONSTRAINT history_activity_pkey",
                         "DROP INDEX ix_history_activity_process_instance_id", "DROP INDEX ix_history_activity_start"),
    "access_log": ("ALTER TABLE access_log_partitioned DROP CONSTRAINT access_log_pkey",
                   "DROP INDEX ix_access_log_case", "DROP INDEX ix_access_log_at"),
}
UNDO_OLD = {
    "case_event": ("ALTER TABLE case_event ADD CONSTRAINT case_event_pkey PRIMARY KEY (id)",
                   "ALTER TABLE case_event ADD CONSTRAINT case_event_process_instance_id_seq_key "
                   "UNIQUE (process_instance_id, seq)",
                   "ALTER TABLE case_event ADD CONSTRAINT case_event_process_instance_id_fkey "
                   "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)",
                   "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON case_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()"),
    "history_activity": ("ALTER TABLE history_activity ADD CONSTRAINT history_activity_pkey PRIMARY KEY (id)",
                         "ALTER TABLE history_activity ADD CONSTRAINT history_activity_process_instance_id_fkey "
                         "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)",
                         "CREATE INDEX ix_history_activity_process_instance_id ON history_activity "
                         "(process_instance_id)"),
    "access_log": ("ALTER TABLE access_log ADD CONSTRAINT access_log_pkey PRIMARY KEY (id)",
                   "CREATE INDEX ix_access_log_case ON access_log (process_instance_id, at)",
                   "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()"),
}


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RENAME TO {table}_partitioned")
        for statement in UNDO_NEW[table]:
            op.execute(statement)
        op.execute(f"CREATE TABLE {table} (LIKE {table}_partitioned INCLUDING DEFAULTS)")
        if table in BIG_IDS:
            op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE integer")
            op.execute(f"ALTER SEQUENCE {table}_id_seq AS integer")
        op.execute(f"INSERT INTO {table} SELECT * FROM {table}_partitioned")
        op.execute(f"DROP TABLE {table}_partitioned CASCADE")
        for statement in UNDO_OLD[table]:
            op.execute(statement)
