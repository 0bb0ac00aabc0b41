"""who each case is about by 身份证号码 (applicant and household members), for 一户一档; filled for running cases

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_person',
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('process_instance_id', 'id_number')
    )
    op.create_index(op.f('ix_case_person_id_number'), 'case_person', ['id_number'], unique=False)
    cases = sa.table('process_instance', sa.column('id', sa.String), sa.column('state', sa.String),
                     sa.column('variables', sa.JSON), sa.column('tenant_id', sa.String))
    bind = op.get_bind()
    rows = [{"process_instance_id": case_id, "id_number": str(variables["id_number"]).strip().upper(),
             "tenant_id": tenant}
            for case_id, variables, tenant in bind.execute(sa.select(cases.c.id, cases.c.variables, cases.c.tenant_id)
                                                   .where(cases.c.state == 'ACTIVE'))
            if isinstance(variables, dict) and isinstance(variables.get("id_number"), str)
            and len(variables["id_number"].strip()) == 18]
    if rows:
        op.bulk_insert(sa.table('case_person', sa.column('process_instance_id', sa.String),
                                sa.column('id_number', sa.String), sa.column('tenant_id', sa.String)), rows)


def downgrade():
    op.drop_index(op.f('ix_case_person_id_number'), table_name='case_person')
    op.drop_table('case_person')
