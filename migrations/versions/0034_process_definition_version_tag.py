"""process_definition.version_tag: a process's camunda:versionTag, which a call activity bound by
`calledElementBinding="versionTag"` looks its version up by (and the REST API's versionTag shows)

Definitions deployed before keep no tag: a call bound to a tag finds none of them.

Revision ID: 0034
Revises: 0033
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("process_definition", sa.Column("version_tag", sa.String(255), nullable=True))


def downgrade():
    op.drop_column("process_definition", "version_tag")
