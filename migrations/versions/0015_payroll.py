"""payroll: household payment facts, payment runs and their lines, the county payment ledger

The ledger is append-only and a frozen roll (its run and its lines) can never change, on
PostgreSQL and SQLite alike: triggers refuse the UPDATE or DELETE. The benefit facts of cases
approved before this migration are derived from their stored data (the backfill below).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

PG_FROZEN = """
CREATE OR REPLACE FUNCTION refuse_change_of_frozen_roll() RETURNS trigger AS $$
DECLARE
    frozen boolean;
BEGIN
    IF TG_TABLE_NAME = 'payroll_run' THEN
        frozen := OLD.frozen_at IS NOT NULL;
    ELSE
        frozen := EXISTS (SELECT 1 FROM payroll_run WHERE id = OLD.run_id AND frozen_at IS NOT NULL);
    END IF;
    IF frozen THEN
        RAISE EXCEPTION 'a frozen payroll roll never changes: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql
"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER payment_ledger_no_update BEFORE UPDATE ON payment_ledger "
    "BEGIN SELECT RAISE(ABORT, 'table payment_ledger is append-only: UPDATE refused'); END",
    "CREATE TRIGGER payment_ledger_no_delete BEFORE DELETE ON payment_ledger "
    "BEGIN SELECT RAISE(ABORT, 'table payment_ledger is append-only: DELETE refused'); END",
    "CREATE TRIGGER payroll_run_frozen_update BEFORE UPDATE ON payroll_run WHEN OLD.frozen_at IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a frozen payroll roll never changes: UPDATE on payroll_run refused'); END",
    "CREATE TRIGGER payroll_run_frozen_delete BEFORE DELETE ON payroll_run WHEN OLD.frozen_at IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a frozen payroll roll never changes: DELETE on payroll_run refused'); END",
    "CREATE TRIGGER payroll_line_frozen_update BEFORE UPDATE ON payroll_line "
    "WHEN (SELECT frozen_at FROM payroll_run WHERE id = OLD.run_id) IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a frozen payroll roll never changes: UPDATE on payroll_line refused'); END",
    "CREATE TRIGGER payroll_line_frozen_delete BEFORE DELETE ON payroll_line "
    "WHEN (SELECT frozen_at FROM payroll_run WHERE id = OLD.run_id) IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a frozen payroll roll never changes: DELETE on payroll_line refused'); END",
]


def upgrade():
    op.create_table('benefit',
    sa.Column('process_instance_id', sa.String(length=36), sa.ForeignKey('process_instance.id'), primary_key=True),
    sa.Column('definition_key', sa.String(length=100), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('township_path', sa.String(length=400), nullable=False),
    sa.Column('county_path', sa.String(length=400), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('household_size', sa.Integer(), nullable=True),
    sa.Column('income_fen', sa.BigInteger(), nullable=True),
    sa.Column('bank_account', sa.String(length=40), nullable=True),
    sa.Column('account_problem', sa.String(length=200), nullable=True),
    sa.Column('payment_from', sa.String(length=7), nullable=False),
    sa.Column('updated_at', app.store.types.UTCDateTime(), nullable=False),
    )
    op.create_index('ix_benefit_county', 'benefit', ['county_path', 'township_path'])
    op.create_table('benefit_change',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('process_instance_id', sa.String(length=36), sa.ForeignKey('process_instance.id'), nullable=False),
    sa.Column('county_path', sa.String(length=400), nullable=False),
    sa.Column('effective_month', sa.String(length=7), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', app.store.types.UTCDateTime(), nullable=False),
    )
    op.create_index('ix_benefit_change_case', 'benefit_change', ['process_instance_id', 'effective_month'])
    op.create_index('ix_benefit_change_county', 'benefit_change', ['county_path', 'recorded_at'])
    op.create_table('payroll_run',
    sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column('county_path', sa.String(length=400), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=False, unique=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('built_at', app.store.types.UTCDateTime(), nullable=True),
    sa.Column('facts_from', app.store.types.UTCDateTime(), nullable=True),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('held_fen', sa.BigInteger(), nullable=False),
    sa.Column('frozen_at', app.store.types.UTCDateTime(), nullable=True),
    sa.Column('frozen_by', sa.String(length=64), nullable=True),
    sa.Column('ledger_first', sa.BigInteger(), nullable=True),
    sa.Column('ledger_last', sa.BigInteger(), nullable=True),
    sa.Column('ledger_head', sa.String(length=64), nullable=True),
    sa.UniqueConstraint('county_path', 'month', 'number'),
    )
    op.create_table('payroll_line',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('run_id', sa.Integer(), sa.ForeignKey('payroll_run.id'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('definition_key', sa.String(length=100), nullable=False),
    sa.Column('township_path', sa.String(length=400), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('previous_fen', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('flags', sa.String(length=100), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('bank_account', sa.String(length=40), nullable=True),
    sa.Column('account_problem', sa.String(length=200), nullable=True),
    sa.UniqueConstraint('run_id', 'seq'),
    )
    op.create_index('ix_payroll_line_case', 'payroll_line', ['process_instance_id', 'month'])
    op.create_index('ix_payroll_line_township', 'payroll_line', ['run_id', 'township_path', 'seq'])
    op.create_index('ix_payroll_line_run_case', 'payroll_line', ['run_id', 'process_instance_id'])
    op.create_table('payment_ledger',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('county_path', sa.String(length=400), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.BigInteger(), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('entry', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('at', app.store.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.UniqueConstraint('county_path', 'seq'),
    )
    op.create_index('ix_payment_ledger_case', 'payment_ledger', ['process_instance_id'])
    op.create_index('ix_payment_ledger_line', 'payment_ledger', ['line_id'])
    op.create_table('ledger_head',
    sa.Column('county_path', sa.String(length=400), primary_key=True),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    )
    _guard()
    _backfill()


def _guard():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER payment_ledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON payment_ledger "
                   "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()")
        op.execute(PG_FROZEN)
        for table in ("payroll_run", "payroll_line"):
            op.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION refuse_change_of_frozen_roll()")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def _backfill():
    """The payment facts of every 低保 and 特困 case approved before payroll existed, from its stored data."""
    from app.services.payroll.facts import backfill_benefits

    backfill_benefits(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("payroll_run", "payroll_line"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
        op.execute("DROP TRIGGER IF EXISTS payment_ledger_append_only ON payment_ledger")
        op.execute("DROP FUNCTION IF EXISTS refuse_change_of_frozen_roll()")
    for table in ('ledger_head', 'payment_ledger', 'payroll_line', 'payroll_run', 'benefit_change', 'benefit'):
        op.drop_table(table)
