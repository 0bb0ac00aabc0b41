"""audit_checkpoint only moves forward, and a case event must be covered by its case row at commit (PostgreSQL)

A case's signed checkpoint is what finds a consistent rewrite of its history (events removed or changed and the
case row rewritten to match): deleting the checkpoint, or setting it back to an earlier event, made the case "never
verified", and the next night verified the rewritten history whole and signed a new checkpoint over it. A trigger
now refuses DELETE and TRUNCATE of audit_checkpoint, and an UPDATE that lowers a checkpoint's seq or gives it to
another case, as the append-only trigger (migrations 0007, 0024, 0029) refuses changing an event: only the history
clean-up's transaction (assistance.history_cleanup) may delete checkpoints, of the cases it has archived. The
verification writes a checkpoint by an upsert that never moves one back (app/services/verification.py).

The append-only trigger lets an INSERT through: an event appended after a case's last without moving the case row
was not seen by the nightly comparison (which reads the row's version, not the events) until the case's turn to be
re-hashed. A deferred constraint trigger now checks each event inserted, at commit: its case row's version has
reached its seq (the service moves the version in the statement that appends the events, app/store/writes.py), it
lies no earlier than the case's rows may (app/store/partitions.py earliest_row_of, which bounds what verification
reads), and no other event of the case has its seq. The unique key (process_instance_id, seq, at) cannot lose `at`:
a partitioned table's unique index must hold the partition key, so the trigger counts the case's events of that seq
in the partitions from the case's start on (one probe each; a case spans a few months).

Both triggers are ordinary triggers: a session that sets session_replication_role = replica (a superuser), or the
table's owner disabling them, bypasses them, the same threat the append-only trigger stands against. SQLite keeps
neither, as it keeps no append-only trigger.

Revision ID: 0046
Revises: 0045
"""
from alembic import op

revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None

CHECKPOINT_FORWARD = """
CREATE OR REPLACE FUNCTION refuse_checkpoint_going_back() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('assistance.history_cleanup', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_checkpoint only moves forward: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

EVENT_IN_CASE_ROW = """
CREATE OR REPLACE FUNCTION check_event_in_case_row() RETURNS trigger AS $$
DECLARE
    case_version integer;
    since timestamp;
BEGIN
    SELECT version, date_trunc('month', started_at) - interval '1 month' INTO case_version, since
    FROM process_instance WHERE id = NEW.process_instance_id;
    IF case_version IS NULL OR NEW.seq > case_version THEN
        RAISE EXCEPTION 'case_event: event % of case % refused: beyond its case row''s version %', NEW.seq,
            NEW.process_instance_id, case_version USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.at < since OR (SELECT count(*) FROM case_event WHERE process_instance_id = NEW.process_instance_id
                          AND seq = NEW.seq AND at >= since) > 1 THEN
        RAISE EXCEPTION 'case_event: event % of case % refused: its seq taken, or before the case', NEW.seq,
            NEW.process_instance_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CHECKPOINT_FORWARD)
    op.execute("CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
               "FOR EACH ROW EXECUTE FUNCTION refuse_checkpoint_going_back()")
    op.execute("CREATE TRIGGER audit_checkpoint_forward BEFORE UPDATE ON audit_checkpoint FOR EACH ROW "
               "WHEN (NEW.seq < OLD.seq OR NEW.process_instance_id <> OLD.process_instance_id) "
               "EXECUTE FUNCTION refuse_checkpoint_going_back()")
    op.execute("CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
               "FOR EACH STATEMENT EXECUTE FUNCTION refuse_checkpoint_going_back()")
    op.execute(EVENT_IN_CASE_ROW)
    op.execute("CREATE CONSTRAINT TRIGGER case_event_in_case_row AFTER INSERT ON case_event "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_event_in_case_row()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER case_event_in_case_row ON case_event")
    op.execute("DROP FUNCTION check_event_in_case_row()")
    for trigger in ("audit_checkpoint_no_delete", "audit_checkpoint_forward", "audit_checkpoint_no_truncate"):
        op.execute(f"DROP TRIGGER {trigger} ON audit_checkpoint")
    op.execute("DROP FUNCTION refuse_checkpoint_going_back()")
