"""Migration 0046: the triggers that keep a checkpoint from being deleted or moved back, and an event from being
appended that its case row does not cover, come with the upgrade and go with the downgrade (PostgreSQL; nothing
changes on SQLite, which keeps no append-only trigger either)."""

import os

import pytest
from sqlalchemy import text

from tests.support.migrations import at_revision

POSTGRESQL = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="SQLite keeps no append-only triggers")
TRIGGERS = {"audit_checkpoint_no_delete", "audit_checkpoint_forward", "audit_checkpoint_no_truncate",
            "case_event_in_case_row"}


def _triggers(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgname = ANY(:names) AND tgparentid = 0"),
                                {"names": list(TRIGGERS)}))


@POSTGRESQL
def test_the_upgrade_makes_the_triggers_and_the_downgrade_drops_them(app):
    engine = app.extensions["db_engine"]
    assert _triggers(engine) == TRIGGERS
    with at_revision(app, "0045") as engine:
        assert _triggers(engine) == set()
    assert _triggers(engine) == TRIGGERS
