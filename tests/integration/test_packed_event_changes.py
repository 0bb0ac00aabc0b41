"""case_event.changed is stored compressed with the states' dictionary (migration 0044); every reader sees the values
it saw, the chain's hashes are unchanged, and the migration converts a populated table both ways."""

import json

from sqlalchemy import text

from app.store.types import json_text, pack_json, unpack_json
from tests.support.dibao_steps import Case, audit_events
from tests.support.migrations import at_revision

RAW = text("SELECT seq, changed FROM case_event WHERE process_instance_id = :c ORDER BY seq")


def _verified(login_as, case_id: str) -> None:
    auditor = login_as("auditor")
    verdict = auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True, verdict


def _raw(engine, case_id: str) -> list:
    with engine.connect() as conn:
        return conn.execute(RAW, {"c": case_id}).all()


def test_changes_are_stored_compressed_and_read_as_the_values_they_were(app, runtime, login_as, clock):
    case = Case.investigated(login_as)
    raw = _raw(app.extensions["db_engine"], case.id)
    start = bytes(raw[0].changed)
    # the start's changes (the county's settings): compressed, a fraction of their JSON
    assert start[:1] == b"\x78"
    values = unpack_json(start)
    assert "dibao_standard" in values and len(start) * 3 < len(json_text(values).encode())
    # a change too small to gain is kept as its JSON text
    empty = [bytes(r.changed) for r in raw if unpack_json(r.changed) == {}]
    assert empty and set(empty) == {b"{}"}
    shown = audit_events(login_as, case.id)["events"]
    # the auditor's view (personal values masked) shows what is stored, the county's settings whole
    assert [sorted(e["changed"]) for e in shown] == [sorted(unpack_json(r.changed)) for r in raw]
    assert shown[0]["changed"] == values
    _verified(login_as, case.id)


def test_a_value_packs_and_unpacks_to_itself():
    for value in ({}, {"a": 1}, {"name": "张三", "amount": 420.0, "list": [1, None, True], "nested": {"x": "y" * 500}}):
        assert unpack_json(pack_json(value)) == value
        assert unpack_json(json_text(value).encode()) == value  # as written before the migration


def test_the_migration_converts_a_populated_table_and_its_downgrade_restores_the_old_form(app, runtime, login_as,
                                                                                        clock):
    cases = [Case.investigated(login_as) for _ in range(2)]
    before = {c.id: audit_events(login_as, c.id) for c in cases}
    engine = app.extensions["db_engine"]
    values = {c.id: [unpack_json(r.changed) for r in _raw(engine, c.id)] for c in cases}
    assert all(v[0] and bytes(_raw(engine, c)[0].changed)[:1] == b"\x78" for c, v in values.items())
    with at_revision(app, "0043"), engine.connect() as conn:
        for case in cases:
            stored = conn.execute(text("SELECT seq, CAST(changed AS TEXT) FROM case_event "
                                       "WHERE process_instance_id = :c ORDER BY seq"), {"c": case.id}).all()
            assert [json.loads(c) for _, c in stored] == values[case.id]
    for case in cases:
        assert audit_events(login_as, case.id) == before[case.id]
        assert [unpack_json(r.changed) for r in _raw(engine, case.id)] == values[case.id]
        assert all(bytes(r.changed)[:1] == b"{" for r in _raw(engine, case.id))  # kept as their JSON text
        _verified(login_as, case.id)
    case = Case.investigated(login_as)  # and the service appends packed changes to the converted table
    assert bytes(_raw(engine, case.id)[0].changed)[:1] == b"\x78"
    _verified(login_as, case.id)
