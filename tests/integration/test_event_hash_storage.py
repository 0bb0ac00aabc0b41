"""case_event keeps its hashes as their 32 bytes and no copy of the previous event's hash (migration 0039); every
reader still sees the hex strings it saw, the previous hash derived from the event before, and the migration
converts a populated table both ways."""

import pytest
from sqlalchemy import inspect, select, text

from app.domain.audit import event_digest
from app.store.tables import CaseEvent
from app.store.types import Sha256, sha256_bytes
from app.store.writes import Writes
from tests.support.dibao_steps import Case, audit_events
from tests.support.migrations import at_revision
from tests.support.web_client import Web

RAW = text("SELECT seq, state_hash, hash FROM case_event WHERE process_instance_id = :c ORDER BY seq")



def _raw(runtime, case_id: str) -> list:
    with runtime.reading() as uow:
        return uow.session.execute(RAW, {"c": case_id}).all()


def test_hashes_are_stored_as_bytes_and_shown_as_the_hex_they_hash_to(app, runtime, login_as, clock):
    case = Case.investigated(login_as)
    with runtime.reading() as uow:
        columns = {c["name"] for c in inspect(uow.session.connection()).get_columns("case_event")}
    assert {"state_hash", "hash"} <= columns and "prev_hash" not in columns
    raw = _raw(runtime, case.id)
    assert [len(bytes(r.hash)) for r in raw] == [32] * 4 and [len(bytes(r.state_hash)) for r in raw] == [32] * 4
    shown = audit_events(login_as, case.id)["events"]
    previous = None
    for event, row in zip(shown, raw, strict=True):
        assert (event["hash"], event["stateHash"]) == (bytes(row.hash).hex(), bytes(row.state_hash).hex())
        assert event["prevHash"] == previous  # derived from the event before: none for the first
        # the hash still covers the previous one, exactly as it was computed when prev_hash was stored
        with runtime.reading() as uow:
            stored = uow.session.scalar(select(CaseEvent).where(CaseEvent.process_instance_id == case.id,
                                                                CaseEvent.seq == event["seq"]))
        assert event_digest(case.id, stored.seq, stored.at, stored.actor, stored.command, stored.target,
                            stored.inputs, stored.changed, stored.state_hash, previous) == event["hash"]
        previous = event["hash"]
    page = Web(app, "auditor").get(f"/auditor/cases/{case.id}").text
    assert f"前一哈希 {shown[1]['prevHash'][:16]}" in page and "前一哈希 —" in page
    step = login_as("auditor").client.get(f"/api/audit/cases/{case.id}/events/3/state",
                                          headers=login_as("auditor").headers).json
    assert step["event"]["prevHash"] == shown[1]["hash"] and step["matchesRecord"] is True


def test_an_events_previous_hash_read_without_its_case_events_is_an_error_not_none(runtime, login_as, clock):
    case = Case.investigated(login_as)
    with runtime.reading() as uow:
        event = uow.session.scalar(select(CaseEvent).where(CaseEvent.process_instance_id == case.id,
                                                           CaseEvent.seq == 2))
        with pytest.raises(RuntimeError, match="chain_hashes"):
            _ = event.prev_hash


@pytest.mark.parametrize("value", ["", "ab" * 31, "AB" * 32, "g" * 64, " " + "a" * 63, 12])
def test_a_hash_that_is_not_64_lower_case_hex_digits_is_refused(runtime, value):
    with pytest.raises(ValueError, match="sha256"):
        sha256_bytes(value)
    with pytest.raises(ValueError, match="sha256"):
        Sha256().process_bind_param(value, None)
    with runtime.reading() as uow:
        writes = Writes(uow.session)
        with pytest.raises(ValueError, match="sha256"):
            writes.insert(CaseEvent.__table__, [{"process_instance_id": "x", "seq": 1, "state_hash": "a" * 64,
                                                 "hash": value}])


def test_the_migration_converts_a_populated_table_and_its_downgrade_restores_the_old_form(app, runtime, login_as,
                                                                                        clock):
    cases = [Case.investigated(login_as) for _ in range(2)]
    before = {c.id: audit_events(login_as, c.id) for c in cases}
    engine = app.extensions["db_engine"]
    with at_revision(app, "0037"), engine.connect() as conn:
        for case in cases:
            rows = conn.execute(text("SELECT seq, state_hash, prev_hash, hash FROM case_event "
                                     "WHERE process_instance_id = :c ORDER BY seq"), {"c": case.id}).all()
            shown = before[case.id]["events"]
            assert [(r.seq, r.state_hash, r.prev_hash, r.hash) for r in rows] == \
                [(e["seq"], e["stateHash"], e["prevHash"], e["hash"]) for e in shown]
    for case in cases:
        assert audit_events(login_as, case.id) == before[case.id]
        assert [len(bytes(r.hash)) for r in _raw(runtime, case.id)] == [32] * 4
        auditor = login_as("auditor")
        verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
        assert verdict["ok"] is True, verdict
    case = Case.investigated(login_as)  # and the service appends to the converted table
    events = audit_events(login_as, case.id)["events"]
    assert events[1]["prevHash"] == events[0]["hash"]
