"""Camunda surface: suspension of cases and definitions, declared variable types and
contents (Bytes, File), user task priority in history

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created', app.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    with op.batch_alter_table('process_instance') as batch:
        batch.add_column(sa.Column('suspended', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('variable_types', sa.JSON(), nullable=True))
    with op.batch_alter_table('process_definition') as batch:
        batch.add_column(sa.Column('suspended', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('history_activity') as batch:
        batch.add_column(sa.Column('priority', sa.Integer(), nullable=True))
    for table in ('task', 'external_task', 'job'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('suspended', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_table('content')
    for table in ('job', 'external_task', 'task'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('suspended')
    with op.batch_alter_table('history_activity') as batch:
        batch.drop_column('priority')
    with op.batch_alter_table('process_definition') as batch:
        batch.drop_column('suspended')
    with op.batch_alter_table('process_instance') as batch:
        batch.drop_column('variable_types')
        batch.drop_column('suspended')
