"""Migration 0040 on a database that holds history: history_activity.id becomes a uuid on every month partition, each
id reading back as the same text; an id that is not a UUID's lowercase hyphenated text makes the upgrade refuse,
changing nothing; the downgrade gives the text column back with the same ids. Nothing changes on SQLite."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.support.dibao_steps import Case

POSTGRESQL = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="the column is text on SQLite whatever the revision")

_TYPES = """SELECT DISTINCT format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE a.attname = 'id' AND (c.relname = 'history_activity' OR c.oid IN (
                SELECT inhrelid FROM pg_inherits WHERE inhparent = 'history_activity'::regclass))"""


def _state(app, case_id: str) -> tuple[set[str], list[str]]:
    """The column's types (the table's and its partitions'), and the case's ids as text."""
    with app.extensions["db_engine"].connect() as conn:
        types = set(conn.scalars(text(_TYPES)))
        ids = list(conn.scalars(text("SELECT id::text FROM history_activity WHERE process_instance_id = :c "
                                     "ORDER BY id"), {"c": case_id}))
    return types, ids


@POSTGRESQL
def test_the_upgrade_converts_the_rows_refuses_a_malformed_id_and_the_downgrade_restores_the_text(app, login_as,
                                                                                                clock, caplog):
    case = Case(login_as)
    case.accept()
    case.investigate()
    listed = sorted(r["id"] for r in login_as("auditor").get("/history/activity-instance",
                                                             processInstanceId=case.id).json)
    assert _state(app, case.id) == ({"uuid"}, listed) and len(listed) >= 4
    engine = app.extensions["db_engine"]
    with app.app_context():
        downgrade(revision="0039")
        assert _state(app, case.id) == ({"character varying(36)"}, listed)
        with engine.begin() as conn:  # as a text column would take it: the same uuid, in capitals
            conn.execute(text(
                "INSERT INTO history_activity SELECT upper(id) AS id, process_instance_id, definition_id, "
                "definition_key, activity_id, activity_name, activity_type, org_path, assignee, candidate_groups, "
                "due, start_time, end_time, canceled, delete_reason, priority, tenant_id "
                "FROM history_activity WHERE id = :i"), {"i": listed[0]})
        with pytest.raises(SystemExit):  # flask db upgrade: the error logged, exit status 1
            upgrade()
        assert "history_activity: 1 ids are not a UUID's lowercase hyphenated text" in caplog.text
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0039"
            conn.execute(text("DELETE FROM history_activity WHERE id = upper(:i)"), {"i": listed[0]})
        assert _state(app, case.id) == ({"character varying(36)"}, listed)
        upgrade()
    assert _state(app, case.id) == ({"uuid"}, listed)
    again = login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json
    assert sorted(r["id"] for r in again) == listed
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)  # written as before
    assert len(login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json) > len(listed)
