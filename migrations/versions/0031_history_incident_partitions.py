"""monthly partitions of history_incident too (PostgreSQL only; nothing changes on SQLite), as migration 0029 made
those of case_event, history_activity and access_log

Partitioned by month of `created`, with a partition per month of the rows it held, the months ahead and a default
partition. Its primary key becomes (seq, created): an incident's end is set by an UPDATE of its id, as before.

Revision ID: 0031
Revises: 0030
"""
from datetime import UTC, datetime

from alembic import op
from sqlalchemy import text

from app.store.partitions import ensure_partitions

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

CONSTRAINTS = ("ALTER TABLE {t} ADD CONSTRAINT history_incident_pkey PRIMARY KEY ({key})",
               "ALTER TABLE {t} ADD CONSTRAINT history_incident_process_instance_id_fkey "
               "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)",
               "CREATE INDEX ix_history_incident_id ON {t} (id)",
               "CREATE INDEX ix_history_incident_process_instance_id ON {t} (process_instance_id)")
DROPPED = ("ALTER TABLE {t} DROP CONSTRAINT history_incident_process_instance_id_fkey",
           "ALTER TABLE {t} DROP CONSTRAINT history_incident_pkey",
           "DROP INDEX ix_history_incident_id", "DROP INDEX ix_history_incident_process_instance_id")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps its plain table
    op.execute("ALTER TABLE history_incident RENAME TO history_incident_unpartitioned")
    for statement in DROPPED:
        op.execute(statement.format(t="history_incident_unpartitioned"))
    op.execute("CREATE TABLE history_incident (LIKE history_incident_unpartitioned INCLUDING DEFAULTS) "
               "PARTITION BY RANGE (created)")
    op.execute("ALTER SEQUENCE history_incident_seq_seq OWNED BY history_incident.seq")
    op.execute("CREATE TABLE history_incident_default PARTITION OF history_incident DEFAULT")
    conn = op.get_bind()
    oldest = conn.scalar(text("SELECT min(created) FROM history_incident_unpartitioned"))
    ensure_partitions(conn, datetime.now(UTC), since=oldest)
    op.execute("INSERT INTO history_incident SELECT * FROM history_incident_unpartitioned")
    op.execute("DROP TABLE history_incident_unpartitioned")
    for statement in CONSTRAINTS:
        op.execute(statement.format(t="history_incident", key="seq, created"))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE history_incident RENAME TO history_incident_partitioned")
    for statement in DROPPED:
        op.execute(statement.format(t="history_incident_partitioned"))
    op.execute("CREATE TABLE history_incident (LIKE history_incident_partitioned INCLUDING DEFAULTS)")
    op.execute("ALTER SEQUENCE history_incident_seq_seq OWNED BY history_incident.seq")
    op.execute("INSERT INTO history_incident SELECT * FROM history_incident_partitioned")
    op.execute("DROP TABLE history_incident_partitioned CASCADE")
    for statement in CONSTRAINTS:
        op.execute(statement.format(t="history_incident", key="seq"))
