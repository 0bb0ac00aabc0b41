"""web_session: signed-in browser sessions, so that logging out ends a session on the server

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('web_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('started_at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', app.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['app_user.username'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_username'), ['username'], unique=False)


def downgrade():
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_username'))
    op.drop_table('web_session')
