"""the checkpoint names the hash of its data and of the case's stored data, both signed: the nightly verification
finds an unchanged case by comparing hashes in SQL

Checkpoints kept before were signed over less: they are dropped, and the next nightly run replays those cases
in full and keeps new ones.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM audit_checkpoint")
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.add_column(sa.Column("variables_hash", sa.String(64), nullable=False))
        batch.add_column(sa.Column("case_data_hash", sa.String(64), nullable=False))


def downgrade():
    op.execute("DELETE FROM audit_checkpoint")
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.drop_column("case_data_hash")
        batch.drop_column("variables_hash")
