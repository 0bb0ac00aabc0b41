"""archived_case keeps the case's unit (org_path) and the case a called instance belongs to, and is found by
business key

An archived case is shown — that it was archived, when, to which file — only to whoever may see the case: a
township's worker sees the cases of their township, so the record needs the case's unit, not only its county. The
rows archived before this revision cannot learn it (their unit is in the signed archive file, which a migration
does not open): they get their county's path, so only the county's users (and the province's) are told of them.
A called instance (archived in its case's line) names its case, so that it is verified through it; rows archived
before this revision do not know it. The index serves the lookups by business key (the auditor's search, the payroll ledger's archived heads).

Revision ID: 0049
Revises: 0052
"""
import sqlalchemy as sa
from alembic import op

revision = '0049'
down_revision = '0052'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("archived_case", sa.Column("org_path", sa.String(400), nullable=True))
    op.add_column("archived_case", sa.Column("root_process_instance_id", sa.String(36), nullable=True))
    op.execute("UPDATE archived_case SET org_path = CASE WHEN tenant_id IS NULL THEN '/' "
               "ELSE '/' || tenant_id || '/' END")
    with op.batch_alter_table("archived_case") as batch:  # no table names archived_case: SQLite may copy it
        batch.alter_column("org_path", existing_type=sa.String(400), nullable=False)
        batch.create_index("ix_archived_case_business_key", ["business_key"])


def downgrade():
    with op.batch_alter_table("archived_case") as batch:
        batch.drop_index("ix_archived_case_business_key")
        batch.drop_column("root_process_instance_id")
        batch.drop_column("org_path")
