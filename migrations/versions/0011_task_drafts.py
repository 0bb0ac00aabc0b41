"""task drafts: what a user saved in a task's form without completing it

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_draft',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('saved_at', app.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('task_id', 'username')
    )
    op.create_index(op.f('ix_task_draft_process_instance_id'), 'task_draft', ['process_instance_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_task_draft_process_instance_id'), table_name='task_draft')
    op.drop_table('task_draft')
