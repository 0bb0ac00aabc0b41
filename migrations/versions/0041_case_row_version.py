"""process_instance.row_version, which PostgreSQL moves on every write of the row, and an index the nightly
verification reads alone

The nightly run confirmed an unchanged case by its row's `xmin`, which only the row itself holds: one random visit
to the heap per case, which no index can spare (2,000,000 visits a night for a province). A trigger now sets
`row_version` to the writing transaction's id on every INSERT and UPDATE of a case row, whatever the statement
gives it (a client cannot keep it while changing the row: only the table's owner can disable the trigger, the same
threat the append-only trigger of migration 0007 stands against; the trigger fires in a session replicating too,
ENABLE ALWAYS). The index ix_process_instance_compared holds, by id, what the night compares, so the night's range
query is an index-only scan of it beside ix_audit_checkpoint_compared (0036).

The existing rows take their xmin as their version: a checkpoint signed with it (0036) still names the row's
version, and the first night confirms such a case without hashing it. A transaction id from now on (64 bits, with
its epoch) is greater than any xmin kept, so an old checkpoint's version cannot be met again by a later write.
SQLite keeps no row versions: the column stays empty there and the night hashes every row, as before.

Revision ID: 0041
Revises: 0040
"""
import sqlalchemy as sa
from alembic import op

revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None

# the columns the nightly comparison reads of a case row (app/services/verification.py `_compared`)
COMPARED = ["version", "last_event_hash", "row_version", "org_path", "tenant_id"]


def upgrade():
    op.add_column("process_instance", sa.Column("row_version", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("UPDATE process_instance SET row_version = CAST(CAST(xmin AS TEXT) AS BIGINT)")
    op.execute("""
CREATE OR REPLACE FUNCTION set_case_row_version() RETURNS trigger AS $$
BEGIN
    NEW.row_version := CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""")
    op.execute("CREATE TRIGGER process_instance_row_version BEFORE INSERT OR UPDATE ON process_instance "
               "FOR EACH ROW EXECUTE FUNCTION set_case_row_version()")
    op.execute("ALTER TABLE process_instance ENABLE ALWAYS TRIGGER process_instance_row_version")
    op.create_index("ix_process_instance_compared", "process_instance", ["id"], postgresql_include=COMPARED,
                    postgresql_where=sa.text("root_process_instance_id IS NULL"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_process_instance_compared", "process_instance")
        op.execute("DROP TRIGGER process_instance_row_version ON process_instance")
        op.execute("DROP FUNCTION set_case_row_version()")
    # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): a batch copy of the table would drop the table that the
    # case tables' foreign keys name, which SQLite refuses with foreign keys on
    op.drop_column("process_instance", "row_version")
