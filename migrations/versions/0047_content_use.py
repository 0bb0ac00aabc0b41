"""content_use: which case uses which content, so the history clean-up removes a case's files with it

The bytes of attachments and of Bytes and File variables are kept once by sha256 in `content`, shared by every
case that uses them; nothing said which cases those were, so the clean-up left every case's files behind. A
`content_use` row (sha256, case, county) is now written by the command that stores or references a content, in its
transaction (app/services/contents.py): a content a call activity's instance uses is its root case's, as its root
case's events record it. The clean-up writes a case's contents into its archive line and removes each one no
remaining case uses.

Back-filled from what the cases hold: their attachments, their events' inputs (an `attach` or `detach` event's
sha256, and every {"sha256", "size"} value among the variables a command set, also those set over since) and their
Bytes and File variables now. Only contents still stored are counted. A content no case uses after this — the files
of cases archived before, which their archives do not hold — stays: removing it would lose it.

Revision ID: 0047
Revises: 0046
"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

from app.domain.contents import is_reference, referenced_in

revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None

BATCH = 1000
ADD = ("INSERT INTO content_use (sha256, process_instance_id, tenant_id) "
       "SELECT CAST(:sha256 AS VARCHAR(64)), CAST(:case_id AS VARCHAR(36)), CAST(:tenant_id AS VARCHAR(64)) "
       "WHERE EXISTS (SELECT 1 FROM content WHERE sha256 = CAST(:sha256 AS VARCHAR(64))) ON CONFLICT DO NOTHING")


def upgrade():
    op.create_table('content_use',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('process_instance_id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('sha256', 'process_instance_id')
    )
    op.create_index(op.f('ix_content_use_process_instance_id'), 'content_use', ['process_instance_id'], unique=False)
    conn = op.get_bind()
    op.execute("INSERT INTO content_use (sha256, process_instance_id, tenant_id) "
               "SELECT DISTINCT a.sha256, coalesce(p.root_process_instance_id, p.id), p.tenant_id "
               "FROM attachment a JOIN process_instance p ON p.id = a.process_instance_id "
               "JOIN content c ON c.sha256 = a.sha256 WHERE true ON CONFLICT DO NOTHING")
    _add(conn, _by_events(conn))
    _add(conn, _by_variables(conn))


def _by_events(conn):
    """(sha256, case, county) of every content an event's inputs refer to (read only where they say "size")."""
    rows = conn.execute(text(
        "SELECT process_instance_id, tenant_id, CAST(inputs AS TEXT) FROM case_event "
        "WHERE CAST(inputs AS TEXT) LIKE '%\"size\"%'"))
    for case_id, tenant_id, inputs in rows:
        for sha in set(referenced_in(json.loads(inputs))):
            yield sha, case_id, tenant_id


def _by_variables(conn):
    """(sha256, root case, county) of every Bytes or File variable's value a case holds now."""
    rows = conn.execute(text(
        "SELECT id, root_process_instance_id, tenant_id, CAST(variables AS TEXT), CAST(variable_types AS TEXT) "
        "FROM process_instance WHERE CAST(variable_types AS TEXT) LIKE '%\"Bytes\"%' "
        "OR CAST(variable_types AS TEXT) LIKE '%\"File\"%'"))
    for case_id, root_id, tenant_id, variables, types in rows:
        values, declared = json.loads(variables or "{}"), json.loads(types or "{}")
        for name, kind in declared.items():
            value = values.get(name)
            if isinstance(kind, dict) and kind.get("type") in ("Bytes", "File") and is_reference(value):
                yield value["sha256"], root_id or case_id, tenant_id


def _add(conn, uses) -> None:
    """Insert the uses, each once, in batches (gathered first: the connection is not written while it reads)."""
    found = [{"sha256": sha, "case_id": case_id, "tenant_id": tenant_id}
             for sha, case_id, tenant_id in sorted(set(uses), key=lambda use: (use[1], use[0]))]
    for first in range(0, len(found), BATCH):
        conn.execute(text(ADD), found[first:first + BATCH])


def downgrade():
    op.drop_index(op.f('ix_content_use_process_instance_id'), table_name='content_use')
    op.drop_table('content_use')
