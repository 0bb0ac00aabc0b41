"""audit access log; case_event and access_log append-only on PostgreSQL

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

APPEND_ONLY = ("case_event", "access_log")

# A trigger refuses UPDATE and DELETE for every role the service may run as (superusers too);
# only a session that sets session_replication_role = replica (superuser, by intent) bypasses it.
REFUSE = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('what', sa.String(length=100), nullable=False),
    sa.Column('masked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_case', ['process_instance_id', 'at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE)
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_change_of_append_only()")
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_case')
    op.drop_table('access_log')
