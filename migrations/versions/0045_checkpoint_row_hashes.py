"""the checkpoint signs the hashes of the case row's other columns: the nightly verification finds a row whose
business key, org path, county, starter, definition, state, end, suspension or variable types were written since
its checkpoint, as it finds a changed state or data

`case_identity_hash` covers the columns the case's start fixed and no command changes (business key, org path,
county, starter, start, definition key); `case_status_hash` those its commands move, each with an event (definition,
state, end, suspension, variable types). Both are the database's sha256 of the columns as one JSON array
(app/store/digests.py `stored_row_sha256`), and the index the night reads holds them.

Checkpoints kept before have neither: their signature, over less, still holds. The night confirms such a case while
its row keeps the checkpoint's version (PostgreSQL); it verifies it in full, and checks its row's columns against
the log, when the row was written since or on the case's turn, and then signs it again with both hashes. On
SQLite, where every row is hashed, that is the first night.

Revision ID: 0045
Revises: 0044
"""
import sqlalchemy as sa
from alembic import op

revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None

COMPARED = ["seq", "event_hash", "state_hash", "variables_hash", "case_data_hash", "case_row_version"]


def upgrade():
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.add_column(sa.Column("case_identity_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("case_status_hash", sa.String(64), nullable=True))
    op.drop_index("ix_audit_checkpoint_compared", "audit_checkpoint")
    op.create_index("ix_audit_checkpoint_compared", "audit_checkpoint", ["process_instance_id"],
                    postgresql_include=[*COMPARED, "case_identity_hash", "case_status_hash", "signature"])


def downgrade():
    op.drop_index("ix_audit_checkpoint_compared", "audit_checkpoint")
    op.execute("DELETE FROM audit_checkpoint WHERE case_identity_hash IS NOT NULL")  # signed over fields now gone
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.drop_column("case_status_hash")
        batch.drop_column("case_identity_hash")
    op.create_index("ix_audit_checkpoint_compared", "audit_checkpoint", ["process_instance_id"],
                    postgresql_include=[*COMPARED, "signature"])
