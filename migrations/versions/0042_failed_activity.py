"""job, incident and history_incident: failed_activity_id, the activity a job's failure happened in

Camunda's `failedActivityId` names the activity whose run threw: for a timer followed by a failing script task, the
script task, while the job's and the incident's `activityId` stay the timer's. The service named the timer for
both. The engine's failure names the element it failed in; the job row keeps it with its exception, the incident
and its history row with theirs, and the job log's entries copy it (its column exists since 0035).

Rows written before know only the job's activity: they take it, which is what they served until now.

Revision ID: 0042
Revises: 0041
"""
import sqlalchemy as sa
from alembic import op

revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

TABLES = ("job", "incident", "history_incident")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("failed_activity_id", sa.String(length=200), nullable=True))
    op.execute("UPDATE job SET failed_activity_id = activity_id WHERE exception_message IS NOT NULL")
    op.execute("UPDATE incident SET failed_activity_id = activity_id")
    op.execute("UPDATE history_incident SET failed_activity_id = activity_id")


def downgrade():
    for table in TABLES:
        op.drop_column(table, "failed_activity_id")
