"""a calendar change and the recompute of the deadlines it moves commit together; commands never use an older calendar

`deadline_recompute` holds the recompute a loaded year or a closure day added or withdrawn owes: written in the
change's own transaction, worked off by the scheduler (or the request, for as long as it may) in short batches, each
moving its cursor in its own transaction, until no affected task or timer is left (app/services/deadlines.py).

`calendar_generation` counts the changes of the calendar (one row). A change takes the advisory lock
`assistance.calendar` exclusively and raises the count; on PostgreSQL each command that computes deadlines calls
`calendar_generation_shared()`, which holds the same lock shared until the command commits and reads the count with a
snapshot taken after the lock: a change therefore commits only after the commands that read the calendar before it
(its recompute then sees their rows), and a command that began after it reads its count and reloads its calendar
(app/store/calendar_generation.py).

Revision ID: 0051
Revises: 0050
"""
import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None

# plpgsql: the SELECT after the lock takes a snapshot of its own (VOLATILE, READ COMMITTED), so it sees a change
# that committed while the lock was waited for; a SELECT in the calling statement would not
GENERATION_SHARED = """
CREATE OR REPLACE FUNCTION calendar_generation_shared() RETURNS bigint AS $$
DECLARE
    found bigint;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('assistance.calendar'));
    SELECT generation INTO found FROM calendar_generation WHERE id = 1;
    RETURN found;
END
$$ LANGUAGE plpgsql VOLATILE
"""


def upgrade():
    op.create_table(
        "calendar_generation",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO calendar_generation (id, generation) VALUES (1, 1)")
    op.create_table(
        "deadline_recompute",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("org_path", sa.String(400), nullable=True),
        sa.Column("since", UTCDateTime(), nullable=True),
        sa.Column("cause", sa.String(200), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("affected_tasks", sa.Integer(), nullable=False),
        sa.Column("affected_jobs", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.Column("task_after", sa.String(36), nullable=True),
        sa.Column("job_after", sa.String(36), nullable=True),
        sa.Column("tasks_done", sa.Boolean(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
    )
    op.create_index("ix_deadline_recompute_open", "deadline_recompute", ["id"],
                    postgresql_where=sa.text("finished_at IS NULL"), sqlite_where=sa.text("finished_at IS NULL"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GENERATION_SHARED)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS calendar_generation_shared()")
    op.drop_index("ix_deadline_recompute_open", "deadline_recompute")
    op.drop_table("deadline_recompute")
    op.drop_table("calendar_generation")
