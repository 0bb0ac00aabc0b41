"""saved inbox filters: a user's named filter and search of the 待办 list

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_filter',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('saved_at', app.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username', 'name')
    )


def downgrade():
    op.drop_table('saved_filter')
