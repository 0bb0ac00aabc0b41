"""one active case per process and business key within a county: the unique index names the county

Counties are Camunda tenants, which Camunda keeps apart (it has no business key uniqueness at all): a county's
window that chose a business key another county's active case holds was refused by the index, with the message of
a race ("同时发起"), since the check before it sees only the county's own cases (app/store/tenancy.py) — and the
refusal told it that another county held the key. The key is now unique per process and county: one index for the
counties' cases, one for the province's own (tenant NULL, which a unique index would count as all different).
A unique key holding the county is also what a province's tables distributed by county need (docs/scaling.md).

Revision ID: 0050
Revises: 0053
"""
from alembic import op
import sqlalchemy as sa

revision = '0050'
down_revision = '0053'
branch_labels = None
depends_on = None

ACTIVE_STARTED_WITH_KEY = "state = 'ACTIVE' AND business_key IS NOT NULL AND super_process_instance_id IS NULL"
IN_A_COUNTY = ACTIVE_STARTED_WITH_KEY + " AND tenant_id IS NOT NULL"
AT_THE_PROVINCE = ACTIVE_STARTED_WITH_KEY + " AND tenant_id IS NULL"
NAME = 'uq_process_instance_active_business_key'


def _index(name: str, columns: list[str], where: str) -> None:
    op.create_index(name, 'process_instance', columns, unique=True,
                    postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def upgrade():
    op.drop_index(NAME, table_name='process_instance')
    _index(NAME, ['tenant_id', 'definition_key', 'business_key'], IN_A_COUNTY)
    _index(f'{NAME}_province', ['definition_key', 'business_key'], AT_THE_PROVINCE)


def downgrade():
    op.drop_index(f'{NAME}_province', table_name='process_instance')
    op.drop_index(NAME, table_name='process_instance')
    _index(NAME, ['definition_key', 'business_key'], ACTIVE_STARTED_WITH_KEY)
