"""security tokens logins

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('created', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', app.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['app_user.username'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_username'), ['username'], unique=False)
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', app.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_who', ['username', 'remote_addr', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_who')
    op.drop_table('login_failure')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_username'))
    op.drop_table('api_token')
