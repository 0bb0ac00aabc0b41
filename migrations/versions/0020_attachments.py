"""attachments of cases and their tasks (Camunda's task attachments), their bytes kept as contents

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('activity_id', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('type', sa.String(length=255), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('created', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_attachment_process_instance_id'), 'attachment', ['process_instance_id'], unique=False)
    op.create_index(op.f('ix_attachment_task_id'), 'attachment', ['task_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_attachment_task_id'), table_name='attachment')
    op.drop_index(op.f('ix_attachment_process_instance_id'), table_name='attachment')
    op.drop_table('attachment')
