"""idempotency_key.case_id: the case a keyed start created, written in the start's own transaction

A start's answer (the case) was stored only after its commit: a node that died in between left the key with no
answer and every retry a 409. The key now names its case in the start's transaction, so a retry is answered with
the case (app/api/idempotency.py).

Revision ID: 0053
Revises: 0048
"""
import sqlalchemy as sa
from alembic import op

revision = '0053'
down_revision = '0048'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_column('case_id')
