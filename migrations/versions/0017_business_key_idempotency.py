"""one active case per process and business key; idempotency keys with their first answer

A database that already holds two active cases of one process with one business key (a retried
start made them before this revision) cannot take the unique index: the upgrade stops and names
them, so an operator decides which to cancel (DELETE /engine-rest/process-instance/{id}).

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ACTIVE_WITH_KEY = "state = 'ACTIVE' AND business_key IS NOT NULL"


def _refuse_duplicates():
    duplicates = op.get_bind().execute(sa.text(
        f"SELECT definition_key, business_key, COUNT(*) FROM process_instance WHERE {ACTIVE_WITH_KEY} "
        "GROUP BY definition_key, business_key HAVING COUNT(*) > 1 ORDER BY 1, 2 LIMIT 20")).all()
    if duplicates:
        listed = "; ".join(f"{key} / {business_key}: {n} cases" for key, business_key, n in duplicates)
        raise RuntimeError("active cases share a process and business key; cancel the extra ones, then upgrade "
                           f"again: {listed}")


def upgrade():
    _refuse_duplicates()
    op.create_index('uq_process_instance_active_business_key', 'process_instance',
                    ['definition_key', 'business_key'], unique=True,
                    postgresql_where=sa.text(ACTIVE_WITH_KEY), sqlite_where=sa.text(ACTIVE_WITH_KEY))
    op.create_table('idempotency_key',
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('owner', 'key')
    )
    op.create_index(op.f('ix_idempotency_key_created_at'), 'idempotency_key', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_idempotency_key_created_at'), table_name='idempotency_key')
    op.drop_table('idempotency_key')
    op.drop_index('uq_process_instance_active_business_key', table_name='process_instance')
