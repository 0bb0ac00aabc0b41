"""audit_checkpoint: the state and data by reference to the case row while the row is as it was verified

A checkpoint kept a copy of the case's stored state and data (about 2.5 KB and 1.3 KB a case) so that the nightly
run could replay a changed case's new events from it. At its making the copy always equals the case row's (the
chain check requires the stored state to hash as the last event says, the replay the stored data to equal its
own), and 99 % of the cases a night have not moved since. On PostgreSQL a checkpoint now keeps no copy (state and
variables NULL) when the row still has the version it was verified at, and a trigger copies the row's old state
and data into it on the row's first write after: so a changed case still replays from its checkpoint, and a
checkpoint whose copy is NULL refers to a row that has not been written (the trigger fires in a replicating session
too, ENABLE ALWAYS; only the table's owner can disable it, the threat the append-only trigger already stands
against, and a row changed with it disabled no longer hashes as the checkpoint's signed state hash says).

Existing checkpoints whose row still has their version and hashes as they say give up their copy here. SQLite
keeps no row versions: its checkpoints keep their copy, as before.

Revision ID: 0043
Revises: 0042
"""
import sqlalchemy as sa
from alembic import op

revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.alter_column("state", existing_type=sa.LargeBinary(), nullable=True)
        batch.alter_column("variables", existing_type=sa.JSON(), nullable=True)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
CREATE OR REPLACE FUNCTION keep_checkpoint_state() RETURNS trigger AS $$
BEGIN
    UPDATE audit_checkpoint SET state = OLD.workflow, variables = OLD.variables
    WHERE process_instance_id = OLD.id AND state IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""")
    op.execute("CREATE TRIGGER process_instance_keep_checkpoint_state AFTER UPDATE ON process_instance "
               "FOR EACH ROW WHEN (OLD.workflow IS DISTINCT FROM NEW.workflow "
               "OR OLD.variables::text IS DISTINCT FROM NEW.variables::text) "
               "EXECUTE FUNCTION keep_checkpoint_state()")
    op.execute("ALTER TABLE process_instance ENABLE ALWAYS TRIGGER process_instance_keep_checkpoint_state")
    op.execute("UPDATE audit_checkpoint c SET state = NULL, variables = NULL FROM process_instance p "
               "WHERE p.id = c.process_instance_id AND c.case_row_version = p.row_version "
               "AND c.state_hash = encode(sha256(p.workflow), 'hex') "
               "AND c.variables::text = p.variables::text")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER process_instance_keep_checkpoint_state ON process_instance")
        op.execute("DROP FUNCTION keep_checkpoint_state()")
        op.execute("UPDATE audit_checkpoint c SET state = p.workflow, variables = p.variables FROM process_instance p "
                   "WHERE p.id = c.process_instance_id AND c.state IS NULL")
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.alter_column("state", existing_type=sa.LargeBinary(), nullable=False)
        batch.alter_column("variables", existing_type=sa.JSON(), nullable=False)
