"""a signed checkpoint per verified case: the nightly verification replays only the events after it

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_checkpoint",
        sa.Column("process_instance_id", sa.String(36), sa.ForeignKey("process_instance.id"), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("verified_at", UTCDateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("audit_checkpoint")
