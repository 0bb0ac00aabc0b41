"""scale indexes: the inbox's org-path prefix (LIKE '/county/township/%') served by the index on PostgreSQL

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401
import app.store.types  # noqa: F401


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PATTERN = {"org_path": "varchar_pattern_ops"}


def upgrade():
    op.drop_index('ix_task_org_due', table_name='task')
    op.create_index('ix_task_org_due', 'task', ['org_path', 'due'], postgresql_ops=PATTERN)
    op.create_index('ix_task_org_created', 'task', ['org_path', 'created'], postgresql_ops=PATTERN)
    op.drop_index('ix_task_candidate_group', table_name='task_candidate')
    op.create_index('ix_task_candidate_group', 'task_candidate', ['group_id', 'org_path', 'task_id'],
                    postgresql_ops=PATTERN)


def downgrade():
    op.drop_index('ix_task_candidate_group', table_name='task_candidate')
    op.create_index('ix_task_candidate_group', 'task_candidate', ['group_id', 'org_path', 'task_id'])
    op.drop_index('ix_task_org_created', table_name='task')
    op.drop_index('ix_task_org_due', table_name='task')
    op.create_index('ix_task_org_due', 'task', ['org_path', 'due'])
