"""event_subscription.event_type: a case waits for a message or, now, a signal (POST /signal)

Revision ID: 0030
Revises: 0029
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_subscription') as batch:
        batch.add_column(sa.Column('event_type', sa.String(length=16), server_default='message', nullable=False))


def downgrade():
    with op.batch_alter_table('event_subscription') as batch:
        batch.drop_column('event_type')
