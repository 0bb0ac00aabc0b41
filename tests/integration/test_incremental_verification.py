"""Incremental verification: a signed checkpoint per verified case; the nightly run checks every chain and
replays only the events after the checkpoint; whatever is done to the checkpointed events (or the checkpoint)
is still found."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError

import app.services.audit as audit_module
from app.domain.actors import SYSTEM
from app.domain.audit import checkpoint_signature, event_digest, variables_digest
from app.services.calendar_history import CalendarsInForce
from app.services.replay import DefinitionsAtHand, replay
from app.services.verification import (
    VerificationRun,
    _compared,
    _rehash_tonight,
    by_reference,
    in_range,
    saved_at,
    verify_batch,
    verify_cases,
    verify_night,
)
from app.store.digests import has_row_versions
from app.store.queries import case_events
from app.store.tables import AuditCheckpoint, CaseEvent, ProcessDefinition, ProcessInstance
from tests.support.dibao_steps import Case
from tests.support.tamper import tamper_rows
from tests.support.web_client import Web

KEY = b"test-audit-key"  # as the tests' app is configured (AUDIT_KEY)
RUN = VerificationRun(KEY)


@pytest.fixture(autouse=True)
def _audit_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", KEY.decode())



def _checkpointed(runtime, login_as) -> Case:
    case = Case.investigated(login_as)
    assert verify_batch(runtime, RUN, [case.id])[0].ok
    return case


def _checkpoint(runtime, case_id: str) -> AuditCheckpoint:
    with runtime.reading() as uow:
        return uow.session.get(AuditCheckpoint, case_id)


def test_a_verified_case_keeps_a_signed_checkpoint_and_later_runs_replay_only_what_is_new(
        runtime, login_as, clock, replayed):
    case = _checkpointed(runtime, login_as)
    checkpoint = _checkpoint(runtime, case.id)
    assert (checkpoint.seq, checkpoint.tenant_id) == (4, "sfx") and replayed == [4]
    with runtime.reading() as uow:
        row = uow.session.get(ProcessInstance, case.id)
        assert checkpoint.variables_hash == variables_digest(saved_at(row, checkpoint)[1])
    assert checkpoint.signature == checkpoint_signature(KEY, case.id, 4, checkpoint.event_hash, checkpoint.state_hash,
                                                        checkpoint.variables_hash, checkpoint.case_data_hash,
                                                        checkpoint.case_row_version, checkpoint.case_identity_hash,
                                                        checkpoint.case_status_hash)
    assert None not in (checkpoint.case_identity_hash, checkpoint.case_status_hash)
    assert checkpoint.case_row_version == _row_version(runtime, case.id)  # PostgreSQL's, by a trigger; none on SQLite
    assert verify_batch(runtime, RUN, [case.id])[0].ok and replayed == [4, 0]  # nothing new: nothing replayed
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    assert verify_batch(runtime, RUN, [case.id])[0].ok and replayed[2] == 1  # the one new event
    assert _checkpoint(runtime, case.id).seq == 5
    full = VerificationRun(KEY, full=True)
    assert verify_batch(runtime, full, [case.id])[0].ok and replayed[3] == 5  # --full: every event


def _row_version(runtime, case_id: str) -> int | None:
    with runtime.reading() as uow:
        return uow.session.scalar(select(ProcessInstance.row_version).where(ProcessInstance.id == case_id))


def _rechained(runtime, case_id: str, change_seq: int, **values) -> list:
    """Statements that change event `change_seq` and re-hash the chain from it (and the case's last hash)."""
    with runtime.reading() as uow:
        events = list(uow.session.scalars(select(CaseEvent).where(CaseEvent.process_instance_id == case_id)
                                          .order_by(CaseEvent.seq)))
    previous, statements = None, []
    for event in events:
        content = {name: getattr(event, name) for name in ("actor", "inputs")}
        if event.seq == change_seq:
            content.update(values)
        digest = event_digest(event.process_instance_id, event.seq, event.at, content["actor"], event.command,
                              event.target, content["inputs"], event.changed, event.state_hash, previous)
        statements.append(update(CaseEvent).where(CaseEvent.id == event.id)
                          .values(**content, hash=digest))
        previous = digest
    return [*statements, update(ProcessInstance).where(ProcessInstance.id == case_id).values(last_event_hash=previous)]


def _forged_checkpoint(case_id: str, **values):
    return update(AuditCheckpoint).where(AuditCheckpoint.process_instance_id == case_id).values(**values)


TAMPERING = {
    # a checkpointed event edited in place: its content no longer hashes to its hash
    "edited": (lambda rt, c: [update(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 2)
                              .values(actor="someone_else")], 2, "修改"),
    # a checkpointed event removed
    "deleted": (lambda rt, c: [delete(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 3)],
                3, "缺失"),
    # a checkpointed event edited and the whole chain re-hashed: the chain holds, the signed checkpoint does not
    "rechained": (lambda rt, c: _rechained(rt, c, 2, actor="someone_else"), 4, "检查点"),
    # the checkpoint moved back to an earlier event without the key
    "checkpoint moved": (lambda rt, c: [_forged_checkpoint(c, seq=1)], 1, "签名无效"),
    # the checkpoint's data changed without the key
    "checkpoint data": (lambda rt, c: [_forged_checkpoint(c, variables={"forged": True})], 4, "签名无效"),
    # a checkpoint re-signed with another key (over a re-chained history)
    "checkpoint re-signed": (lambda rt, c: [*_rechained(rt, c, 2, actor="x"), _resigned(rt, c, b"not-the-key")],
                             4, "签名无效"),
    # the checkpoint's saved state swapped
    "checkpoint state": (lambda rt, c: [_forged_checkpoint(c, state=b"forged")], 4, "状态"),
    # the last event removed and the case row put back as it stood after the one before: a consistent history
    "truncated": (lambda rt, c: _truncated(rt, c, 3), 4, "检查点"),
}


def _truncated(runtime, case_id: str, seq: int) -> list:
    """The events after `seq` removed and the case row given the state and data replay reaches at `seq`."""
    with runtime.reading() as uow:
        case = uow.session.get(ProcessInstance, case_id)
        events = list(uow.session.scalars(case_events(case)))[:seq]
        definitions, calendars = DefinitionsAtHand(uow.session), CalendarsInForce(uow.session)
        *_, step = replay(definitions.engine(case.definition_id), lambda at: calendars.at(at, case.org_path), events,
                          definitions.engine)
    return [delete(CaseEvent).where(CaseEvent.process_instance_id == case_id, CaseEvent.seq > seq),
            _case_row(case_id, version=seq, last_event_hash=events[-1].hash, workflow=step.state,
                      variables=step.variables)]


def _resigned(runtime, case_id: str, key: bytes):
    checkpoint = _checkpoint(runtime, case_id)
    with runtime.reading() as uow:
        last = uow.session.scalar(select(CaseEvent).where(CaseEvent.process_instance_id == case_id,
                                                          CaseEvent.seq == 4))
    # the event hash the re-chained history will have is not known here: sign the old one with a wrong key
    return _forged_checkpoint(case_id, signature=checkpoint_signature(
        key, case_id, 4, last.hash, checkpoint.state_hash, checkpoint.variables_hash, checkpoint.case_data_hash))


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampering_with_checkpointed_events_or_the_checkpoint_is_found(app, runtime, login_as, clock, kind):
    case = _checkpointed(runtime, login_as)
    tamper, bad_event, words = TAMPERING[kind]
    tamper_rows(runtime, *tamper(runtime, case.id))
    verdict = verify_batch(runtime, RUN, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == bad_event and words in verdict.problem, verdict
    assert _checkpoint(runtime, case.id).seq in (1, 4)  # a failed case keeps no new checkpoint
    # an auditor asking for the case, or for every case in scope, gets the nightly run's verdict
    auditor = login_as("auditor")
    asked = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert (asked["ok"], asked["firstBadEvent"], asked["problem"]) == (False, bad_event, verdict.problem)
    scope = auditor.client.get("/api/audit/verify", headers=auditor.headers).json["failed"]
    assert [f["problem"] for f in scope if f["caseId"] == case.id] == [verdict.problem]
    assert '<p class="verdict-bad">未通过' in Web(app, "auditor").get(f"/auditor/cases/{case.id}").text


def test_an_event_after_the_checkpoint_is_replayed_and_a_forged_one_caught(runtime, login_as, clock):
    case = _checkpointed(runtime, login_as)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    inputs = _event(runtime, case.id, 5).inputs
    forged = {**inputs, "variables": {**inputs["variables"], "proposed_amount": 9999.0}}
    tamper_rows(runtime, *_rechained(runtime, case.id, 5, inputs=forged))
    verdict = verify_batch(runtime, RUN, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == 5 and "9999" not in verdict.problem


def _event(runtime, case_id: str, seq: int) -> CaseEvent:
    with runtime.reading() as uow:
        return uow.session.scalar(select(CaseEvent).where(CaseEvent.process_instance_id == case_id,
                                                          CaseEvent.seq == seq))


def _nights(case_id: str) -> tuple[VerificationRun, VerificationRun]:
    """A nightly run on a night that is not the case's turn to be re-hashed whole, and one on a night that is."""
    runs = [VerificationRun(KEY, night=night) for night in range(1, 61)]
    return (next(r for r in runs if not _rehash_tonight(r, case_id)),
            next(r for r in runs if _rehash_tonight(r, case_id)))


def test_the_night_confirms_an_unchanged_case_in_one_statement_and_replays_only_a_changed_one(
        runtime, login_as, clock, replayed):
    case = _checkpointed(runtime, login_as)
    night, _ = _nights(case.id)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(runtime.session_factory.kw["bind"], "before_cursor_execute", count)
    try:
        verdicts = verify_night(runtime, night, [case.id])
    finally:
        sa_event.remove(runtime.session_factory.kw["bind"], "before_cursor_execute", count)
    assert [(v.case_id, v.ok, v.events) for v in verdicts] == [(case.id, True, 4)]
    assert len(statements) == 1 and replayed == [4]  # no event, state or data loaded; nothing replayed
    if _has_row_versions(runtime):  # the row unwritten since its checkpoint: nothing hashed either
        assert "sha256" not in statements[0] and "row_version" in statements[0]
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    assert verify_night(runtime, night, [case.id])[0].ok and replayed == [4, 1]  # the new event only
    assert verify_night(runtime, night, [case.id])[0].ok and replayed == [4, 1]  # its new checkpoint confirms it


def test_case_data_written_again_unchanged_is_verified_once_and_then_confirmed(runtime, login_as, clock, replayed):
    case = _checkpointed(runtime, login_as)
    night, _ = _nights(case.id)
    with runtime.reading() as uow:
        variables = uow.session.get(ProcessInstance, case.id).variables
    reordered = dict(reversed(list(variables.items())))  # the same data, stored as other text
    tamper_rows(runtime, update(ProcessInstance).where(ProcessInstance.id == case.id).values(variables=reordered))
    assert verify_night(runtime, night, [case.id])[0].ok and replayed == [4, 0]  # verified whole, nothing new
    assert verify_night(runtime, night, [case.id])[0].ok and replayed == [4, 0]


def _has_row_versions(runtime) -> bool:
    with runtime.reading() as uow:
        return has_row_versions(uow.session.get_bind().dialect.name)


def _night_counted(runtime, night: VerificationRun, case_id: str):
    """The night's verdict on the case, and the statements the night sent."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(runtime.session_factory.kw["bind"], "before_cursor_execute", count)
    try:
        verdict = verify_night(runtime, night, [case_id])[0]
    finally:
        sa_event.remove(runtime.session_factory.kw["bind"], "before_cursor_execute", count)
    return verdict, statements


def test_a_case_row_rewritten_unchanged_behind_the_services_back_is_hashed_once_then_confirmed_by_its_version(
        runtime, login_as, clock, replayed):
    case = _checkpointed(runtime, login_as)
    night, _ = _nights(case.id)
    before = _checkpoint(runtime, case.id).case_row_version
    tamper_rows(runtime, _case_row(case.id, suspended=ProcessInstance.suspended))  # the same values, written again
    verdict, statements = _night_counted(runtime, night, case.id)
    assert (verdict.ok, verdict.events) == (True, 4) and replayed == [4]  # hashed, not replayed
    checkpoint = _checkpoint(runtime, case.id)
    assert checkpoint.case_row_version == _row_version(runtime, case.id)
    assert checkpoint.signature == checkpoint_signature(
        KEY, case.id, 4, checkpoint.event_hash, checkpoint.state_hash, checkpoint.variables_hash,
        checkpoint.case_data_hash, checkpoint.case_row_version, checkpoint.case_identity_hash,
        checkpoint.case_status_hash)
    if _has_row_versions(runtime):
        assert checkpoint.case_row_version != before  # signed again with the row's new version
        assert any("sha256" in s for s in statements) and any(s.startswith("UPDATE audit_checkpoint")
                                                               for s in statements)
        verdict, again = _night_counted(runtime, night, case.id)
        assert verdict.ok and len(again) == 1 and "sha256" not in again[0]


def test_a_case_row_frozen_by_vacuum_keeps_its_version(runtime, login_as, clock, replayed):
    if not _has_row_versions(runtime):
        pytest.skip("row versions are PostgreSQL's")
    case = _checkpointed(runtime, login_as)
    night, _ = _nights(case.id)
    with runtime.session_factory.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FREEZE process_instance"))  # freezing writes no row: the version stays
    verdict, statements = _night_counted(runtime, night, case.id)
    assert verdict.ok and len(statements) == 1 and replayed == [4]


def test_a_checkpoint_kept_before_row_versions_holds_and_is_signed_again_with_the_rows(runtime, login_as, clock,
                                                                                     replayed):
    case = _checkpointed(runtime, login_as)
    night, _ = _nights(case.id)
    old = _checkpoint(runtime, case.id)
    tamper_rows(runtime, _forged_checkpoint(  # as 0027 signed: no row version, no row hashes
        case.id, case_row_version=None, case_identity_hash=None, case_status_hash=None, signature=checkpoint_signature(
            KEY, case.id, 4, old.event_hash, old.state_hash, old.variables_hash, old.case_data_hash)))
    assert verify_night(runtime, night, [case.id])[0].ok and replayed == [4, 0]  # verified whole once, nothing new
    again = _checkpoint(runtime, case.id)
    assert again.case_row_version == _row_version(runtime, case.id)
    assert (again.case_identity_hash, again.case_status_hash) == (old.case_identity_hash, old.case_status_hash)
    assert verify_night(runtime, night, [case.id])[0].ok and replayed == [4, 0]


def test_a_checkpoint_signed_before_row_hashes_confirms_its_unchanged_row_and_is_signed_again_on_its_turn(
        runtime, login_as, clock, replayed):
    case = _checkpointed(runtime, login_as)
    night, its_turn = _nights(case.id)
    old = _checkpoint(runtime, case.id)
    tamper_rows(runtime, _forged_checkpoint(  # as signed before migration 0045
        case.id, case_identity_hash=None, case_status_hash=None, signature=checkpoint_signature(
            KEY, case.id, 4, old.event_hash, old.state_hash, old.variables_hash, old.case_data_hash,
            old.case_row_version)))
    verdict, statements = _night_counted(runtime, night, case.id)
    assert verdict.ok
    if _has_row_versions(runtime):  # its row unwritten since: confirmed by its version, as before
        assert len(statements) == 1 and replayed == [4]
    assert verify_night(runtime, its_turn, [case.id])[0].ok
    assert _checkpoint(runtime, case.id).case_identity_hash == old.case_identity_hash


def _with_the_rows_version(runtime, case_id: str, *statements) -> list:
    """Run `statements` on the case's rows, then give its checkpoint the row's new version (without the key)."""
    tamper_rows(runtime, *statements)
    return [_forged_checkpoint(case_id, case_row_version=_row_version(runtime, case_id))]


def _case_row(case_id: str, **values):
    return update(ProcessInstance).where(ProcessInstance.id == case_id).values(**values)


def _stored_data(runtime, case_id: str, **changed) -> dict:
    with runtime.reading() as uow:
        return {**uow.session.get(ProcessInstance, case_id).variables, **changed}


FOUND_THE_SAME_NIGHT = {
    kind: TAMPERING[kind] for kind in ("rechained", "checkpoint moved", "checkpoint re-signed")} | {
    # the case's data changed in place: its stored hash moves, the replay finds the difference
    "case data": (lambda rt, c: [_case_row(c, variables=_stored_data(rt, c, total_income=1.0))], 4, "案件数据"),
    # the case's state changed in place
    "case state": (lambda rt, c: [_case_row(c, workflow=b"forged")], 4, "状态"),
    # the case's data changed and the checkpoint's hash of it with it: the signature no longer holds
    "case data and checkpoint hash": (lambda rt, c: [
        _case_row(c, variables={"forged": True}),
        _forged_checkpoint(c, case_data_hash=hashlib.sha256(b'{"forged":true}').hexdigest())], 4, "签名无效"),
    # the case's state changed in place and its checkpoint given the row's new version: the signature covers it
    "case state and the checkpoint's row version": (lambda rt, c: _with_the_rows_version(
        rt, c, _case_row(c, workflow=b"forged")), 4, "状态"),
    # the case's data changed in place and its checkpoint given the row's new version (on SQLite, which keeps
    # none, the checkpoint stays as it was: the data's hash moves and the replay finds the difference)
    "case data and the checkpoint's row version": (lambda rt, c: _with_the_rows_version(
        rt, c, _case_row(c, variables=_stored_data(rt, c, total_income=1.0))), 4, "签名无效|案件数据"),
    # the last event removed through the case row too
    "last event removed": (lambda rt, c: [
        delete(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 4),
        _case_row(c, version=3, last_event_hash=_event(rt, c, 3).hash)], 3, "状态"),
}
def _other_definition(runtime, case_id: str) -> str:
    with runtime.reading() as uow:
        current = uow.session.get(ProcessInstance, case_id).definition_id
        return uow.session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.id != current)
                                  .order_by(ProcessDefinition.id).limit(1))


# the case row's other columns written behind the service's back, no event recorded: the log proves them wrong
# (the start event, the suspension events, the verified workflow), or the checkpoint's signed row hashes do
CASE_ROW = {
    "case ended": (lambda rt, c: [_case_row(c, state="EXTERNALLY_TERMINATED", ended_at=ProcessInstance.started_at)],
                   4, "办理状态", True),
    "case suspended": (lambda rt, c: [_case_row(c, suspended=True)], 4, "挂起", True),
    "business key": (lambda rt, c: [_case_row(c, business_key="DB-FORGED")], 1, "业务标识", True),
    "starter": (lambda rt, c: [_case_row(c, started_by="nobody")], 1, "发起人", True),
    "county": (lambda rt, c: [_case_row(c, tenant_id="other")], 1, "所属县", True),
    "definition": (lambda rt, c: [_case_row(c, definition_id=_other_definition(rt, c))], 1, "流程定义", True),
    # what no event records: the signed checkpoint keeps it
    "org path": (lambda rt, c: [_case_row(c, org_path="/sfx/hd/")], 4, "所属单位", False),
    "variable types": (lambda rt, c: [_case_row(c, variable_types={"per_capita_income": {"type": "String"}})],
                       4, "变量类型", False),
}


@pytest.mark.parametrize("kind", list(CASE_ROW))
def test_a_case_row_column_written_behind_the_services_back_is_found_the_same_night_and_by_every_verification(
        runtime, login_as, clock, kind):
    case = _checkpointed(runtime, login_as)
    tamper, bad_event, words, in_the_log = CASE_ROW[kind]
    tamper_rows(runtime, *tamper(runtime, case.id))
    night, _ = _nights(case.id)
    for verdict in (verify_night(runtime, night, [case.id])[0],
                    verify_batch(runtime, VerificationRun(KEY, full=True), [case.id])[0]):
        assert verdict.ok is False and verdict.first_bad_event == bad_event and words in verdict.problem, verdict
    # the auditor's verification of one case agrees with the night: by the log, else by the checkpoint
    verdict = audit_module.verify_case(runtime, SYSTEM, case.id, KEY)
    assert verdict.ok is False and words in verdict.problem, verdict
    if in_the_log:  # found without a checkpoint too
        tamper_rows(runtime, delete(AuditCheckpoint).where(AuditCheckpoint.process_instance_id == case.id))
        verdict = audit_module.verify_case(runtime, SYSTEM, case.id, KEY)
        assert verdict.ok is False and words in verdict.problem, verdict


def test_an_org_path_changed_before_a_later_event_is_still_found(runtime, login_as, clock):
    case = _checkpointed(runtime, login_as)
    tamper_rows(runtime, _case_row(case.id, org_path="/sfx/cg/x/"))
    assert login_as("supervisor").put(f"/process-instance/{case.id}/suspended", {"suspended": True}).status_code == 204
    night, _ = _nights(case.id)
    verdict = verify_night(runtime, night, [case.id])[0]
    assert verdict.ok is False and "所属单位" in verdict.problem, verdict


def test_a_case_suspended_cancelled_or_completed_through_the_service_verifies(runtime, login_as, clock):
    suspended, cancelled = _checkpointed(runtime, login_as), _checkpointed(runtime, login_as)
    supervisor = login_as("supervisor")
    assert supervisor.put(f"/process-instance/{suspended.id}/suspended", {"suspended": True}).status_code == 204
    assert supervisor.delete(f"/process-instance/{cancelled.id}").status_code == 204
    night, _ = _nights(suspended.id)
    verdicts = verify_night(runtime, night, [suspended.id, cancelled.id])
    assert [v.ok for v in verdicts] == [True, True], verdicts
    with runtime.reading() as uow:
        assert uow.session.get(ProcessInstance, cancelled.id).state == "EXTERNALLY_TERMINATED"


# found only by the whole-chain check: the night the case's turn comes (or it changes, or --full)
FOUND_ON_ITS_TURN = {kind: TAMPERING[kind] for kind in ("edited", "deleted", "checkpoint data", "checkpoint state")}


@pytest.mark.parametrize("kind", list(FOUND_THE_SAME_NIGHT))
def test_the_night_finds_a_changed_history_row_or_checkpoint_the_same_night(runtime, login_as, clock, kind):
    case = _checkpointed(runtime, login_as)
    tamper, bad_event, words = FOUND_THE_SAME_NIGHT[kind]
    tamper_rows(runtime, *tamper(runtime, case.id))
    night, _ = _nights(case.id)
    verdict = verify_night(runtime, night, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == bad_event, verdict
    assert any(word in verdict.problem for word in words.split("|")), verdict


@pytest.mark.parametrize("kind", list(FOUND_ON_ITS_TURN))
def test_what_leaves_the_case_row_alone_is_found_on_the_cases_turn(runtime, login_as, clock, kind):
    case = _checkpointed(runtime, login_as)
    tamper, bad_event, words = FOUND_ON_ITS_TURN[kind]
    tamper_rows(runtime, *tamper(runtime, case.id))
    other_night, its_turn = _nights(case.id)
    assert verify_night(runtime, other_night, [case.id])[0].ok  # the limit of the comparison, as documented
    verdict = verify_night(runtime, its_turn, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == bad_event and words in verdict.problem, verdict


def test_every_case_has_its_turn_once_in_rehash_every_nights():
    ids = [f"case-{n}" for n in range(300)]
    turns = {case_id: [night for night in range(100, 130) if _rehash_tonight(VerificationRun(KEY, night=night),
                                                                            case_id)] for case_id in ids}
    assert {len(nights) for nights in turns.values()} == {1}
    assert len({nights[0] for nights in turns.values()}) == 30  # spread over the nights


def test_the_cli_runs_incremental_by_default_and_full_on_demand_in_processes(runtime, runner, login_as, clock):
    case = Case.investigated(login_as)
    for args in (["audit-verify", "--processes", "2"], ["audit-verify", "--full", "--processes", "2"]):
        result = runner.invoke(args=args)
        assert "case(s) failed verification" in result.output
        assert case.id not in result.output  # this module's other cases may have been tampered with
    assert _checkpoint(runtime, case.id).seq == 4


def test_the_night_reads_its_cases_in_ranges_of_ids_each_case_once(runtime, login_as, clock):
    for _ in range(3):
        Case.investigated(login_as)
    with runtime.reading() as uow:
        expected = sorted(uow.session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.root_process_instance_id.is_(None))))
    for size in (1, 2, 1000):
        verdicts = list(verify_cases(runtime, SYSTEM, VerificationRun(KEY, triage=size, night=1)))
        assert sorted(v.case_id for v in verdicts) == expected  # no case missed, none twice


def _postgresql_only(runtime) -> None:
    if not _has_row_versions(runtime):
        pytest.skip("row versions are PostgreSQL's (a trigger, migration 0041)")


def test_every_write_of_a_case_row_moves_its_version_whatever_the_statement_gives(runtime, login_as, clock):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    before = _row_version(runtime, case.id)
    assert before is not None  # set when the row was made
    # the same values written again, the old version given, in a session that skips ordinary triggers
    tamper_rows(runtime, _case_row(case.id, suspended=ProcessInstance.suspended, row_version=before))
    assert _row_version(runtime, case.id) > before


def _version_held(runtime, *statements, triggers=("process_instance_row_version",)) -> None:
    """Run `statements` on case rows with the row-version trigger (and any other `triggers`) disabled, as only the
    table's owner can."""
    with runtime.unit_of_work() as uow:
        uow.session.execute(text("SET LOCAL session_replication_role = replica"))  # past the append-only trigger
        for trigger in triggers:
            uow.session.execute(text(f"ALTER TABLE process_instance DISABLE TRIGGER {trigger}"))
        for statement in statements:
            uow.session.execute(statement)
        for trigger in triggers:
            uow.session.execute(text(f"ALTER TABLE process_instance ENABLE ALWAYS TRIGGER {trigger}"))
        uow.commit()


@pytest.mark.parametrize("kind", ["case state", "case data"])
def test_a_case_row_changed_with_its_version_held_is_found_on_the_cases_turn(runtime, login_as, clock, kind):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    before = _row_version(runtime, case.id)
    tamper, bad_event, words = FOUND_THE_SAME_NIGHT[kind]
    _version_held(runtime, *tamper(runtime, case.id))
    assert _row_version(runtime, case.id) == before
    other_night, its_turn = _nights(case.id)
    assert verify_night(runtime, other_night, [case.id])[0].ok  # the limit of the comparison, as documented
    verdict = verify_night(runtime, its_turn, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == bad_event and words in verdict.problem, verdict


def test_events_removed_through_a_case_row_whose_version_is_held_are_found_the_same_night(runtime, login_as, clock):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    tamper, bad_event, _ = FOUND_THE_SAME_NIGHT["last event removed"]
    _version_held(runtime, *tamper(runtime, case.id))
    night, _ = _nights(case.id)
    verdict = verify_night(runtime, night, [case.id])[0]  # the row's last event is compared beside its version
    assert verdict.ok is False and verdict.first_bad_event == bad_event, verdict


def test_the_nights_comparison_reads_no_case_row(runtime, login_as, clock):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    engine = runtime.session_factory.kw["bind"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE process_instance"))
        conn.execute(text("VACUUM ANALYZE audit_checkpoint"))
    query = _compared(hashed=False).where(*in_range(SYSTEM, "", case.id))
    with engine.connect() as conn:  # a few rows here: a table scan would be cheaper, so the planner is kept off it
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join(conn.exec_driver_sql(
            "EXPLAIN " + str(query.compile(engine, compile_kwargs={"literal_binds": True}))).scalars())
    assert "Index Only Scan using ix_process_instance_compared" in plan, plan
    # the checkpoint by an index: its covering index alone, or (a checkpoint with no copies being about 430 bytes,
    # migration 0043) its primary key and row, whichever the planner finds cheaper for the table's size
    assert re.search(r"Index Only Scan using ix_audit_checkpoint_compared|Index Scan using audit_checkpoint_pkey",
                     plan), plan
    assert "Seq Scan" not in plan, plan


def _saved(runtime, case_id: str) -> tuple:
    """The checkpoint's own copies of the state and data (None: it refers to the case row), and the row's."""
    with runtime.reading() as uow:
        checkpoint = uow.session.get(AuditCheckpoint, case_id)
        row = uow.session.get(ProcessInstance, case_id)
        return checkpoint.state, checkpoint.variables, row.workflow, row.variables


def test_a_checkpoint_refers_to_its_unchanged_row_and_gets_the_old_state_when_the_row_moves_on(
        runtime, login_as, clock, replayed):
    case = _checkpointed(runtime, login_as)
    state, variables, row_state, row_variables = _saved(runtime, case.id)
    if not _has_row_versions(runtime):  # SQLite: no row versions, the checkpoint keeps copies
        assert (state, variables) == (row_state, row_variables)
        return
    assert (state, variables) == (None, None)  # the row's, as the row still is
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    assert _saved(runtime, case.id)[:2] == (row_state, row_variables)  # copied by the row's first write after
    state_at_5 = _saved(runtime, case.id)[2]
    assert verify_batch(runtime, RUN, [case.id])[0].ok and replayed[-1] == 1  # replayed from the copy
    assert _saved(runtime, case.id)[:2] == (None, None) and _saved(runtime, case.id)[2] == state_at_5


def test_a_checkpoint_keeps_a_copy_when_its_row_moved_or_is_being_written(runtime, login_as, clock):
    _postgresql_only(runtime)
    moved, held = _checkpointed(runtime, login_as), _checkpointed(runtime, login_as)
    with runtime.reading() as uow:
        rows = {c: uow.session.get(ProcessInstance, c) for c in (moved.id, held.id)}
        kept = [{"process_instance_id": c, "case_row_version": row.row_version - (c == moved.id),
                 "state": row.workflow, "variables": row.variables} for c, row in rows.items()]
        free = [{"process_instance_id": held.id, "case_row_version": rows[held.id].row_version, "state": b"s",
                 "variables": {}}]
    with runtime.unit_of_work() as writer:  # a command holds the second row
        writer.session.execute(text("SELECT 1 FROM process_instance WHERE id = :i FOR UPDATE"), {"i": held.id})
        with runtime.unit_of_work() as uow:
            by_reference(uow.session, kept)  # neither waits
    assert [(c["state"] is None, c["variables"] is None) for c in kept] == [(False, False), (False, False)]
    with runtime.unit_of_work() as uow:
        by_reference(uow.session, free)
    assert (free[0]["state"], free[0]["variables"]) == (None, None)


def test_a_row_rewritten_with_both_triggers_disabled_is_found_on_the_cases_turn(runtime, login_as, clock):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    tamper, _, _ = FOUND_THE_SAME_NIGHT["case data"]
    _version_held(runtime, *tamper(runtime, case.id),
                  triggers=("process_instance_row_version", "process_instance_keep_checkpoint_state"))
    assert _saved(runtime, case.id)[:2] == (None, None)  # no copy was left
    other_night, its_turn = _nights(case.id)
    assert verify_night(runtime, other_night, [case.id])[0].ok  # the limit of the comparison, as documented
    verdict = verify_night(runtime, its_turn, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == 4 and "副本" in verdict.problem, verdict


def _triggers_refuse(runtime, statement, *, commit: bool = False) -> None:
    """`statement`, as the service's role may send it (ordinary triggers fire), is refused by a trigger."""
    with pytest.raises(DBAPIError, match="refused"):
        with runtime.unit_of_work() as uow:
            uow.session.execute(statement)
            if commit:
                uow.commit()


def test_a_checkpoint_is_never_deleted_or_moved_back_so_a_consistent_rewrite_stays_found(runtime, login_as, clock):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    tamper, bad_event, _ = FOUND_THE_SAME_NIGHT["last event removed"]
    tamper_rows(runtime, *tamper(runtime, case.id))  # the history rewritten, as only a superuser can
    for statement in (delete(AuditCheckpoint).where(AuditCheckpoint.process_instance_id == case.id),
                      _forged_checkpoint(case.id, seq=3), text("TRUNCATE audit_checkpoint")):
        _triggers_refuse(runtime, statement)  # laundering it takes what editing an event takes
    night, _ = _nights(case.id)
    verdict = verify_night(runtime, night, [case.id])[0]
    assert verdict.ok is False and verdict.first_bad_event == bad_event, verdict
    assert _checkpoint(runtime, case.id).seq == 4


def test_the_verification_writes_a_checkpoint_over_the_old_one_without_deleting_it(runtime, login_as, clock):
    case = _checkpointed(runtime, login_as)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(runtime.session_factory.kw["bind"], "before_cursor_execute", count)
    try:
        assert verify_batch(runtime, RUN, [case.id])[0].ok
    finally:
        sa_event.remove(runtime.session_factory.kw["bind"], "before_cursor_execute", count)
    assert not [s for s in statements if s.lstrip().upper().startswith("DELETE")], statements
    assert _checkpoint(runtime, case.id).seq == 5


def _appended(runtime, case_id: str, copied: int, **values) -> object:
    """An INSERT of a copy of event `copied` of the case, with `values` changed."""
    event = _event(runtime, case_id, copied)
    row = {c.key: getattr(event, c.key) for c in CaseEvent.__table__.c if c.key != "id"}
    return insert(CaseEvent).values(**{**row, **values})


def test_an_event_its_case_row_does_not_cover_is_refused_at_commit(runtime, login_as, clock):
    _postgresql_only(runtime)
    case = _checkpointed(runtime, login_as)
    later = _event(runtime, case.id, 4).at + timedelta(minutes=1)
    for forged in (_appended(runtime, case.id, 4, seq=5, at=later, command="cancel"),  # after the case's last
                   _appended(runtime, case.id, 3, at=later),  # a second event 3
                   _appended(runtime, case.id, 4, seq=2, at=later - timedelta(days=400))):  # before the case
        _triggers_refuse(runtime, forged, commit=True)
    night, _ = _nights(case.id)
    assert verify_night(runtime, night, [case.id])[0].ok  # nothing got in
    with runtime.reading() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CaseEvent)
                                  .where(CaseEvent.process_instance_id == case.id)) == 4
