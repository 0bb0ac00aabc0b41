"""referrals: task-local variables (camunda:inputParameter), what a department sees of a referral

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import app.store.types  # noqa: F401


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('local_variables', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('task') as batch:
        batch.drop_column('local_variables')
