"""job_log: every job's creation, failure, success and deletion (Camunda's historic job log, GET /history/job-log),
and the job definition type and configuration of each job it copies; the jobs waiting now are logged as created. A
failed job's incident history names its failure's entry (Camunda's historyConfiguration); those raised before have
none

Partitioned by month of `logged_at` on PostgreSQL, as migrations 0029 and 0031 made the other tables that grow
without end: a partition per month, the months ahead and a default partition; the key there is (seq, logged_at).

Revision ID: 0035
Revises: 0034
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy import text

import app.store.types
from app.store.job_log import backfill_job_log
from app.store.partitions import ensure_partitions

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

CONSTRAINTS = ("ALTER TABLE {t} ADD CONSTRAINT job_log_pkey PRIMARY KEY ({key})",
               "ALTER TABLE {t} ADD CONSTRAINT job_log_process_instance_id_fkey "
               "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)",
               "CREATE INDEX ix_job_log_id ON {t} (id)",
               "CREATE INDEX ix_job_log_job_id ON {t} (job_id)",
               "CREATE INDEX ix_job_log_process_instance_id ON {t} (process_instance_id)")


def upgrade():
    op.add_column('job', sa.Column('job_type', sa.String(length=64), nullable=True))
    op.add_column('job', sa.Column('configuration', sa.Text(), nullable=True))
    op.add_column('history_incident', sa.Column('history_configuration', sa.String(length=36), nullable=True))
    op.create_table('job_log',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('logged_at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('job_due', app.store.types.UTCDateTime(), nullable=True),
    sa.Column('job_retries', sa.Integer(), nullable=False),
    sa.Column('exception_message', sa.Text(), nullable=True),
    sa.Column('stacktrace', sa.Text(), nullable=True),
    sa.Column('failed_activity_id', sa.String(length=200), nullable=True),
    sa.Column('job_type', sa.String(length=64), nullable=True),
    sa.Column('configuration', sa.Text(), nullable=True),
    sa.Column('activity_id', sa.String(length=200), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('definition_id', sa.String(length=120), nullable=False),
    sa.Column('definition_key', sa.String(length=100), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('seq')
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE job_log DROP CONSTRAINT job_log_process_instance_id_fkey")
        op.execute("ALTER TABLE job_log RENAME TO job_log_unpartitioned")
        op.execute("ALTER TABLE job_log_unpartitioned DROP CONSTRAINT job_log_pkey")
        op.execute("CREATE TABLE job_log (LIKE job_log_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (logged_at)")
        op.execute("ALTER SEQUENCE job_log_seq_seq OWNED BY job_log.seq")
        op.execute("DROP TABLE job_log_unpartitioned")
        op.execute("CREATE TABLE job_log_default PARTITION OF job_log DEFAULT")
        oldest = conn.scalar(text("SELECT min(created) FROM job"))
        ensure_partitions(conn, datetime.now(UTC), since=oldest)
        for statement in CONSTRAINTS:
            op.execute(statement.format(t="job_log", key="seq, logged_at"))
    else:
        for statement in CONSTRAINTS[2:]:
            op.execute(statement.format(t="job_log"))
    backfill_job_log(conn)  # the jobs waiting now: created, at their creation


def downgrade():
    op.drop_table('job_log')  # its partitions go with it on PostgreSQL
    with op.batch_alter_table('history_incident') as batch:
        batch.drop_column('history_configuration')
    with op.batch_alter_table('job') as batch:
        batch.drop_column('configuration')
        batch.drop_column('job_type')
