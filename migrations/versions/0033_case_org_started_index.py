"""process_instance (org_path, started_at): a county's cases started since a day without reading every case

The compliance figures read a county's cases of one process accepted in a period (org_path LIKE '/c42/%' and
started_at from the period's first day); with only the index on org_path, which PostgreSQL cannot use for LIKE under
the database's collation, that was a scan of every case of the province (1.2 s at 500,000 cases). varchar_pattern_ops
lets the prefix be a range of the index whatever the collation, as on the task table.

Revision ID: 0033
Revises: 0032
"""
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_process_instance_org_started", "process_instance", ["org_path", "started_at"],
                    postgresql_ops={"org_path": "varchar_pattern_ops"})


def downgrade():
    op.drop_index("ix_process_instance_org_started", table_name="process_instance")
