"""the checkpoint names, signed, the version of the case row it was taken from (PostgreSQL's xmin): the nightly
verification confirms a case whose row nobody has rewritten since without hashing its stored state and data; and
an index holding what the nightly run compares

Checkpoints kept before have none: their signature, over less, still holds, and the next night that confirms
such a case by its hashes signs its checkpoint again with the row's version.

Revision ID: 0036
Revises: 0035
"""
import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.add_column(sa.Column("case_row_version", sa.BigInteger(), nullable=True))
    # what the nightly run compares, read from the index alone on PostgreSQL (an index-only scan): a checkpoint's
    # row, wide with its saved state and data, is read only for a case that changed
    op.create_index("ix_audit_checkpoint_compared", "audit_checkpoint", ["process_instance_id"],
                    postgresql_include=["seq", "event_hash", "state_hash", "variables_hash", "case_data_hash",
                                        "case_row_version", "signature"])


def downgrade():
    op.drop_index("ix_audit_checkpoint_compared", "audit_checkpoint")
    op.execute("DELETE FROM audit_checkpoint WHERE case_row_version IS NOT NULL")  # signed over a field now gone
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.drop_column("case_row_version")
