"""notices of decisions: versioned templates and the notices issued on cases (append-only on PostgreSQL)

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_template',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=36), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'version')
    )
    op.create_index(op.f('ix_notice_template_key'), 'notice_template', ['key'], unique=False)
    op.create_table('notice',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('template_id', sa.String(length=120), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('activity_id', sa.String(length=200), nullable=False),
    sa.Column('issued_at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('masked_text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('masked_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('process_instance_id', 'seq')
    )
    if op.get_bind().dialect.name == "postgresql":  # the function is migration 0007's
        op.execute("CREATE TRIGGER notice_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON notice "
                   "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS notice_append_only ON notice")
    op.drop_table('notice')
    op.drop_index(op.f('ix_notice_template_key'), table_name='notice_template')
    op.drop_table('notice_template')
