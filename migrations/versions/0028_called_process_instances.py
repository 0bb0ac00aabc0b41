"""called process instances: a call activity's process as an instance of its own, with its super and root case

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instance') as batch:
        batch.add_column(sa.Column('super_process_instance_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('root_process_instance_id', sa.String(length=36), nullable=True))
        batch.create_index('ix_process_instance_super_process_instance_id', ['super_process_instance_id'])
        batch.create_index('ix_process_instance_root_process_instance_id', ['root_process_instance_id'])


def downgrade():
    with op.batch_alter_table('process_instance') as batch:
        batch.drop_index('ix_process_instance_root_process_instance_id')
        batch.drop_index('ix_process_instance_super_process_instance_id')
        batch.drop_column('root_process_instance_id')
        batch.drop_column('super_process_instance_id')
