"""a changed or removed user is announced to every service process (PostgreSQL NOTIFY), however it was changed

Revision ID: 0019
Revises: 0018
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# the payload as app/store/broadcast.py reads it: origin|topic|key; the origin "db" is no process's own
FUNCTION = """
CREATE FUNCTION assistance_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('assistance_changed', 'db|credentials|' || OLD.username);
    RETURN NULL;
END $$;
"""
TRIGGER = """
CREATE TRIGGER app_user_changed AFTER UPDATE OR DELETE ON app_user
    FOR EACH ROW EXECUTE FUNCTION assistance_user_changed();
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        op.execute(TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER app_user_changed ON app_user")
        op.execute("DROP FUNCTION assistance_user_changed()")
