"""calendar history: every load of a year, and withdrawn closures kept with removed_at

Replay evaluates each event with the calendar in force at its moment, so a reloaded year
keeps its earlier versions and a withdrawn closure keeps its row. A closure day may be
withdrawn and entered again, so (org_path, day) is no longer unique; the service allows
one closure in force per org and day.

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
import app.store.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _closure_table(unique: bool, removed: bool) -> sa.Table:
    """The closure table as 0005 made it, with or without its unique (org_path, day) and the removed_* columns."""
    extra = [sa.UniqueConstraint('org_path', 'day')] if unique else []
    if removed:
        extra += [sa.Column('removed_at', app.store.types.UTCDateTime(), nullable=True),
                  sa.Column('removed_by', sa.String(length=64), nullable=True)]
    return sa.Table('calendar_closure', sa.MetaData(),
                    sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True, nullable=False),
                    sa.Column('org_path', sa.String(length=400), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('reason', sa.String(length=200), nullable=False),
                    sa.Column('created', app.store.types.UTCDateTime(), nullable=False),
                    sa.Column('created_by', sa.String(length=64), nullable=False),
                    *extra)


def upgrade():
    op.create_table('calendar_year_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('workdays', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('loaded_at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_calendar_year_version_year'), 'calendar_year_version', ['year'], unique=False)
    op.execute('INSERT INTO calendar_year_version (year, holidays, workdays, source, loaded_at, loaded_by) '
               'SELECT year, holidays, workdays, source, loaded_at, loaded_by FROM calendar_year')
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.drop_constraint('calendar_closure_org_path_day_key', 'calendar_closure', type_='unique')
    # SQLite drops the unnamed unique constraint only by copying the table without it
    with op.batch_alter_table('calendar_closure', copy_from=_closure_table(unique=False, removed=False),
                              recreate='auto' if postgresql else 'always') as batch_op:
        batch_op.add_column(sa.Column('removed_at', app.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('removed_by', sa.String(length=64), nullable=True))


def downgrade():
    op.execute('DELETE FROM calendar_closure WHERE removed_at IS NOT NULL')
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('calendar_closure', copy_from=_closure_table(unique=not postgresql, removed=True),
                              recreate='auto' if postgresql else 'always') as batch_op:
        batch_op.drop_column('removed_by')
        batch_op.drop_column('removed_at')
    if postgresql:
        op.create_unique_constraint('calendar_closure_org_path_day_key', 'calendar_closure', ['org_path', 'day'])
    op.drop_index(op.f('ix_calendar_year_version_year'), table_name='calendar_year_version')
    op.drop_table('calendar_year_version')
