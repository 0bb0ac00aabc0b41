"""deadlines calendar closures

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('calendar_closure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_path', 'day')
    )


def downgrade():
    op.drop_table('calendar_closure')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('due_provisional')
