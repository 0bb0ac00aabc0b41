"""counties as tenants: a deployment may be a county's; every case row carries its county (Camunda's tenantId)

Revision ID: 0021
Revises: 0020
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# tables whose rows carry their county; each filled from its org unit's path (or its case's, or its run's)
FROM_ORG_PATH = ("process_instance", "task", "task_candidate", "external_task", "job", "event_subscription",
                 "incident", "history_activity", "escalation", "access_log", "household_finding", "notice")
FROM_CASE = ("case_event", "task_draft", "attachment")
APPEND_ONLY = ("case_event", "access_log", "notice")


def _first_segment(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"nullif(split_part({column}, '/', 2), '')"
    return f"nullif(substr({column}, 2, instr(substr({column}, 2), '/') - 1), '')"


@contextmanager
def _append_only_lifted(table: str, dialect: str):
    """Fill the new column of an append-only table (its rows are otherwise never changed)."""
    lifted = dialect == "postgresql" and table in APPEND_ONLY
    if lifted:
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    yield
    if lifted:
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("deployment") as batch:
        batch.add_column(sa.Column("tenant_id", sa.String(64), nullable=True))
        batch.create_index("ix_deployment_tenant_id", ["tenant_id"])
    with op.batch_alter_table("process_definition",
                              naming_convention={"uq": "%(table_name)s_%(column_0_name)s_%(column_1_name)s_key"}) \
            as batch:
        batch.add_column(sa.Column("tenant_id", sa.String(64), nullable=True))
        batch.drop_constraint("process_definition_key_version_key", type_="unique")
    for name, columns, where in (("uq_process_definition_shared_version", ["key", "version"], "tenant_id IS NULL"),
                                 ("uq_process_definition_county_version", ["key", "tenant_id", "version"],
                                  "tenant_id IS NOT NULL")):
        op.create_index(name, "process_definition", columns, unique=True, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))
    for table in (*FROM_ORG_PATH, *FROM_CASE, "payroll_line"):
        op.add_column(table, sa.Column("tenant_id", sa.String(64), nullable=True))
    for table in FROM_ORG_PATH:
        with _append_only_lifted(table, dialect):
            op.execute(f"UPDATE {table} SET tenant_id = {_first_segment('org_path', dialect)}")
    for table in FROM_CASE:
        with _append_only_lifted(table, dialect):
            op.execute(f"UPDATE {table} SET tenant_id = (SELECT p.tenant_id FROM process_instance p "
                       f"WHERE p.id = {table}.process_instance_id)")
    op.execute("UPDATE payroll_line SET tenant_id = (SELECT " + _first_segment("r.county_path", dialect)
               + " FROM payroll_run r WHERE r.id = payroll_line.run_id)")


def downgrade():
    for table in (*FROM_ORG_PATH, *FROM_CASE, "payroll_line"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tenant_id")
    op.drop_index("uq_process_definition_county_version", "process_definition")
    op.drop_index("uq_process_definition_shared_version", "process_definition")
    with op.batch_alter_table("process_definition") as batch:
        batch.drop_column("tenant_id")
        batch.create_unique_constraint("process_definition_key_version_key", ["key", "version"])
    with op.batch_alter_table("deployment") as batch:
        batch.drop_index("ix_deployment_tenant_id")
        batch.drop_column("tenant_id")
