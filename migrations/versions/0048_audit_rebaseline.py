"""audit_rebaseline: an auditor's re-baseline of a case's audit checkpoint after an investigated failure

`flask audit rebaseline CASE --reason …` verifies a case whole without trusting its old checkpoint and, only if it
holds, writes a new signed checkpoint at the case's last event (app/services/rebaseline.py). Each is recorded here:
who, when, which case, the replaced checkpoint's event, hash and signature, and the reason. On PostgreSQL the table
is append-only, as access_log is (the trigger of migrations 0007/0029, which lets no statement change or remove a
row outside the history clean-up, which never touches this table); it has no foreign key, and outlives the case.

Revision ID: 0048
Revises: 0049
"""
from alembic import op
import sqlalchemy as sa

import app.store.types

revision = '0048'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_rebaseline',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('rebaselined_by', sa.String(length=64), nullable=False),
    sa.Column('os_user', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('old_seq', sa.Integer(), nullable=True),
    sa.Column('old_event_hash', sa.String(length=64), nullable=True),
    sa.Column('old_signature', sa.String(length=64), nullable=True),
    sa.Column('new_seq', sa.Integer(), nullable=False),
    sa.Column('new_signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_rebaseline_process_instance_id', 'audit_rebaseline', ['process_instance_id'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_rebaseline_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "
                   "audit_rebaseline FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_rebaseline_append_only ON audit_rebaseline")
    op.drop_index('ix_audit_rebaseline_process_instance_id', table_name='audit_rebaseline')
    op.drop_table('audit_rebaseline')
