"""history_activity.id as PostgreSQL's uuid (16 bytes) instead of a 36-character text (nothing changes on SQLite)

An activity instance's id is the engine's task id, always a UUID's text (str(uuid4()), lowercase and hyphenated):
the projection writes it (app/services/projection.py), and the province bench copies rows with ids made by
md5(...)::uuid. As text it took 37 bytes in each row and each entry of the primary key (id, start_time); as a uuid,
16. The column keeps reading and writing the same text (app/store/types.py UuidText); a client's malformed id
names no row instead of failing the statement.

The upgrade first counts the rows whose id is not such a text (a uuid column would read "{…}", upper case or no
hyphens as the same uuid and give it back in another form) and refuses, naming how many and one of them, rather
than change what an id reads. The type of a partitioned table's column changes on every partition, its indexes
are made again. The downgrade gives the text back.

Revision ID: 0040
Revises: 0039
"""
from alembic import op
from sqlalchemy import text

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None

UUID_TEXT = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    malformed = connection.execute(text("SELECT count(*), min(id) FROM history_activity WHERE id !~ :form"),
                                   {"form": UUID_TEXT}).one()
    if malformed[0]:
        raise RuntimeError(f"history_activity: {malformed[0]} ids are not a UUID's lowercase hyphenated text "
                           f"(e.g. {malformed[1]!r}); they would read back in another form as uuid. This migration changed nothing.")
    op.execute("ALTER TABLE history_activity ALTER COLUMN id TYPE uuid USING id::uuid")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE history_activity ALTER COLUMN id TYPE varchar(36) USING id::text")
