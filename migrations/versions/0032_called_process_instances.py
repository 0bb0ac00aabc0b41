"""called process instances: a call activity's process as an instance of its own, with its super and root case

Revision ID: 0032
Revises: 0031
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


ACTIVE_WITH_KEY = "state = 'ACTIVE' AND business_key IS NOT NULL"
# called instances may share their caller's business key (camunda:in businessKey), every instance of a
# multi-instance call the same: the one-active-case-per-key rule is for cases started
ACTIVE_STARTED_WITH_KEY = ACTIVE_WITH_KEY + " AND super_process_instance_id IS NULL"


def _key_index(where: str) -> None:
    op.create_index('uq_process_instance_active_business_key', 'process_instance',
                    ['definition_key', 'business_key'], unique=True,
                    postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def upgrade():
    with op.batch_alter_table('process_instance') as batch:
        batch.add_column(sa.Column('super_process_instance_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('root_process_instance_id', sa.String(length=36), nullable=True))
        batch.create_index('ix_process_instance_super_process_instance_id', ['super_process_instance_id'])
        batch.create_index('ix_process_instance_root_process_instance_id', ['root_process_instance_id'])
    op.drop_index('uq_process_instance_active_business_key', table_name='process_instance')
    _key_index(ACTIVE_STARTED_WITH_KEY)


def downgrade():
    op.drop_index('uq_process_instance_active_business_key', table_name='process_instance')
    _key_index(ACTIVE_WITH_KEY)
    with op.batch_alter_table('process_instance') as batch:
        batch.drop_index('ix_process_instance_root_process_instance_id')
        batch.drop_index('ix_process_instance_super_process_instance_id')
        batch.drop_column('root_process_instance_id')
        batch.drop_column('super_process_instance_id')
