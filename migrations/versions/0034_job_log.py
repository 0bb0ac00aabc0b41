"""job_log: every job's creation, failure, success and deletion (Camunda's historic job log, GET /history/job-log),
and the job definition type and configuration of each job it copies; the jobs waiting now are logged as created. A
failed job's incident history names its failure's entry (Camunda's historyConfiguration); those raised before have
none

Partitioned by month of `logged_at` on PostgreSQL, as migrations 0029 and 0031 made the other tables that grow
without end: a partition per month, the months ahead and a default partition; the key there is (seq, logged_at).

Revision ID: 0034
Revises: 0033
"""
import json
import socket
import uuid
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy import text

import app.store.types
from app.store.partitions import ensure_partitions

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

CONSTRAINTS = ("ALTER TABLE {t} ADD CONSTRAINT job_log_pkey PRIMARY KEY ({key})",
               "ALTER TABLE {t} ADD CONSTRAINT job_log_process_instance_id_fkey "
               "FOREIGN KEY (process_instance_id) REFERENCES process_instance (id)",
               "CREATE INDEX ix_job_log_id ON {t} (id)",
               "CREATE INDEX ix_job_log_job_id ON {t} (job_id)",
               "CREATE INDEX ix_job_log_process_instance_id ON {t} (process_instance_id)")
_KINDS = {"TimeDateEventDefinition": "DATE", "DurationTimerEventDefinition": "DURATION",
          "CycleTimerEventDefinition": "CYCLE"}


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
    _log_waiting_jobs(conn)


def _timer_job(spec: dict, activity_id: str) -> tuple[str, str | None]:
    """The job definition type and configuration of a timer, from the stored SpiffWorkflow spec (its called
    processes' too), as app/engine/observe.py `timer_job` gives them for new jobs."""
    specs = [spec.get("spec", spec), *(spec.get("subprocess_specs") or {}).values()]
    for process in specs:
        task = (process.get("task_specs") or {}).get(activity_id) if isinstance(process, dict) else None
        if task:
            definition = task.get("event_definition") or {}
            kind = _KINDS.get(definition.get("typename", ""))
            configuration = f"{kind}: {definition.get('expression')}" if kind else None
            typename = task.get("typename", "")
            if "Boundary" in typename:
                return "timer-transition", configuration
            if "Start" in typename:
                return "timer-start-event-subprocess", configuration
            return "timer-intermediate-transition", configuration
    return "timer-intermediate-transition", None


def _log_waiting_jobs(conn) -> None:
    """The jobs waiting now get their type and configuration, and their creation entry (at their creation)."""
    jobs = conn.execute(text("SELECT j.id, j.process_instance_id, j.definition_id, j.definition_key, j.activity_id, "
                             "j.org_path, j.due, j.retries, j.created, j.tenant_id, d.spec FROM job j "
                             "JOIN process_definition d ON d.id = j.definition_id")).all()
    host = socket.gethostname()
    for job in jobs:
        spec = job.spec if isinstance(job.spec, dict) else json.loads(job.spec or "{}")
        job_type, configuration = _timer_job(spec or {}, job.activity_id)
        conn.execute(text("UPDATE job SET job_type = :t, configuration = :c WHERE id = :id"),
                     {"t": job_type, "c": configuration, "id": job.id})
        conn.execute(text("INSERT INTO job_log (id, logged_at, state, job_id, job_due, job_retries, job_type, "
                          "configuration, activity_id, process_instance_id, definition_id, definition_key, org_path, "
                          "hostname, tenant_id) VALUES (:id, :at, 'created', :job, :due, :retries, :t, :c, :activity, "
                          ":case, :definition, :key, :org, :host, :tenant)"),
                     {"id": str(uuid.uuid4()), "at": job.created, "job": job.id, "due": job.due,
                      "retries": job.retries, "t": job_type, "c": configuration, "activity": job.activity_id,
                      "case": job.process_instance_id, "definition": job.definition_id, "key": job.definition_key,
                      "org": job.org_path, "host": host, "tenant": job.tenant_id})


def downgrade():
    op.drop_table('job_log')  # its partitions go with it on PostgreSQL
    with op.batch_alter_table('history_incident') as batch:
        batch.drop_column('history_configuration')
    with op.batch_alter_table('job') as batch:
        batch.drop_column('configuration')
        batch.drop_column('job_type')
