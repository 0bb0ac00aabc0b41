"""history_incident: every incident a case had, open or resolved (Camunda's GET /history/incident); the incidents
open now are copied in

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('history_incident',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('definition_id', sa.String(length=120), nullable=False),
    sa.Column('activity_id', sa.String(length=200), nullable=True),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('created', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('ended', app.store.types.UTCDateTime(), nullable=True),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('ix_history_incident_id', 'history_incident', ['id'])
    op.create_index('ix_history_incident_process_instance_id', 'history_incident', ['process_instance_id'])
    op.execute("INSERT INTO history_incident (id, process_instance_id, definition_id, activity_id, job_id, type, "
               "message, org_path, created, tenant_id) SELECT id, process_instance_id, definition_id, activity_id, "
               "job_id, type, message, org_path, created, tenant_id FROM incident")


def downgrade():
    op.drop_index('ix_history_incident_process_instance_id', 'history_incident')
    op.drop_index('ix_history_incident_id', 'history_incident')
    op.drop_table('history_incident')
