"""login_failure.failed_at: an attempt's row says whether its check failed or is still running

An attempt is counted before its password is checked, so that of many concurrent attempts at most the limit reach
the check. Rows of attempts still being checked and rows of failures looked the same: a client sending the right
password from several threads (or three nodes each checking a pair once) found more rows than the limit and was
refused 429 as if it had guessed. The row now records when its check failed; NULL while it runs (app/services/
logins.py).

Revision ID: 0052
Revises: 0047
"""
import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0052'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', app.store.types.UTCDateTime(), nullable=True))
    # the rows already there are failures (a row of an attempt that succeeded was removed)
    op.execute("UPDATE login_failure SET failed_at = at")


def downgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
