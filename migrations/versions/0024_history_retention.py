"""history retention: a definition's historyTimeToLive, the record of archived cases, and removal of an
archived case's rows from the append-only tables by the history clean-up only

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# the history clean-up (app/services/retention.py) sets assistance.history_cleanup for its own transaction:
# it alone may DELETE the rows of cases it has just written to a signed archive
REFUSE = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('assistance.history_cleanup', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
REFUSE_ALWAYS = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.add_column("process_definition", sa.Column("history_time_to_live", sa.Integer(), nullable=True))
    op.create_table(
        "archived_case",
        sa.Column("process_instance_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("definition_id", sa.String(120), nullable=False),
        sa.Column("business_key", sa.String(200), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
        sa.Column("archive", sa.String(300), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_ALWAYS)
    op.drop_table("archived_case")
    with op.batch_alter_table("process_definition") as batch:
        batch.drop_column("history_time_to_live")
