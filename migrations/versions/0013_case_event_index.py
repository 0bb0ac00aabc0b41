"""case_event: drop the index on process_instance_id alone

The unique (process_instance_id, seq) index already serves every lookup of a case's events
(its leading column), so the second index only cost an insert per event and its pages.

Revision ID: 0013
Revises: 0012
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_case_event_process_instance_id', table_name='case_event')


def downgrade():
    op.create_index('ix_case_event_process_instance_id', 'case_event', ['process_instance_id'])
