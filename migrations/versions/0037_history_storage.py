"""history_activity, smaller: no rows for boundary events that never fired; its time index without the id

A province keeps ten years of history, about a third of its disk (14.5 KB of a 低保 case's 31 KB); two parts of it
held nothing a reader needs:
- A boundary event (a timer on a task, an error, escalation, message or signal catch) had a row from the moment its
  task opened, ended "canceled" when the task ended without it firing. Camunda records a boundary event only when
  it fires, and the service's pages already hid the others: they were 8 of a 低保 case's 35 rows. From now on the
  projection writes a boundary event's row when it fires (app/services/projection.py); this migration deletes the
  rows of those that never fired (cancelled, or still waiting).
- ix_history_activity_start (PostgreSQL only) ordered each partition by (start_time, id) for the lists over a scope
  (GET /history/activity-instance); the id (36 characters) made it as large as the primary key. On start_time alone
  the activities a command started share one entry (B-tree deduplication), and a page's ties are put in id order
  by an incremental sort of the few rows with one start time.

Revision ID: 0037
Revises: 0036
"""
from alembic import op

from app.services.projection import forget_unfired_boundaries

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None



def upgrade():
    forget_unfired_boundaries(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_history_activity_start")
        op.execute("CREATE INDEX ix_history_activity_start ON history_activity (start_time)")


def downgrade():
    # the rows of boundary events that never fired are not made again: nothing read them
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_history_activity_start")
        op.execute("CREATE INDEX ix_history_activity_start ON history_activity (start_time, id)")
