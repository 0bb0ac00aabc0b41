"""dynamic management: 虚报冒领 findings recorded on households

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('household_finding',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('definition_key', sa.String(length=100), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('found_by', sa.String(length=64), nullable=False),
    sa.Column('found_at', app.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('household_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_finding_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_finding_process_instance_id'), ['process_instance_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('household_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_finding_process_instance_id'))
        batch_op.drop_index(batch_op.f('ix_household_finding_id_number'))
    op.drop_table('household_finding')
