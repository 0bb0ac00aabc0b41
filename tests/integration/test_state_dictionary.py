"""A case's stored state is zlib with a preset dictionary (app/engine/state.zdict): a 低保 case's state takes about
2.6 KB instead of 4.5 KB. States and events written before it (plain zlib) still load, replay and verify: replay
compares a state in the form its event recorded, and the nightly run confirms such a case against its checkpoint."""

import json
import zlib

import pytest

from app.domain.audit import state_digest
from app.engine import serializer
from app.engine.serializer import STATE_DICTIONARY_ID, as_recorded, compress_state, inflate_state
from app.services.verification import VerificationRun, saved_at, verify_batch, verify_night
from app.store.tables import AuditCheckpoint, CaseEvent, ProcessInstance
from tests.support.dibao_steps import Case

KEY = b"test-audit-key"
RUN = VerificationRun(KEY)


@pytest.fixture(autouse=True)
def _audit_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", KEY.decode())


def test_the_dictionary_is_part_of_the_stored_format():
    # changing state.zdict would leave every state written with it unreadable: a new one needs a new id beside it
    assert STATE_DICTIONARY_ID == 3533540391


def test_a_state_compresses_with_the_dictionary_and_an_earlier_one_still_reads():
    text = json.dumps({"tasks": {"a": {"id": "a", "parent": None, "children": [], "last_state_change": 1.5,
                                       "state": 64, "task_spec": "Start", "triggered": False}}}).encode()
    stored = compress_state(text)
    with pytest.raises(zlib.error):
        zlib.decompress(stored)
    assert inflate_state(stored) == text and inflate_state(zlib.compress(text, 6)) == text
    earlier = zlib.compress(text, 6)
    assert as_recorded(stored, state_digest(earlier)) == earlier
    assert as_recorded(stored, state_digest(stored)) == stored
    assert as_recorded(stored, "0" * 64) == stored  # neither: replay reports the difference
    with pytest.raises(zlib.error):
        inflate_state(stored[:-3])


def _stored(runtime, case_id: str) -> tuple[bytes, list[str]]:
    with runtime.reading() as uow:
        state = uow.session.get(ProcessInstance, case_id).workflow
        hashes = [e.state_hash for e in uow.session.query(CaseEvent).filter_by(process_instance_id=case_id)
                  .order_by(CaseEvent.seq)]
    return state, hashes


def test_a_case_written_before_the_dictionary_verifies_and_goes_on(runtime, login_as, clock, monkeypatch):
    with monkeypatch.context() as before:  # the case as the service wrote it before: plain zlib
        before.setattr(serializer, "compress_state", lambda text: zlib.compress(text, 6))
        case = Case(login_as)
        case.accept()
        case.investigate()
    state, hashes = _stored(runtime, case.id)
    assert zlib.decompress(state) and hashes[-1] == state_digest(state)
    assert verify_batch(runtime, RUN, [case.id])[0].ok  # replayed now, compared in the form each event recorded
    with runtime.reading() as uow:
        checkpoint = uow.session.get(AuditCheckpoint, case.id)
        # the checkpoint keeps the state as stored, or refers to the row's (PostgreSQL, migration 0043)
        assert saved_at(uow.session.get(ProcessInstance, case.id), checkpoint)[0] == state
    assert verify_night(runtime, RUN, [case.id])[0].ok  # unchanged: confirmed against the checkpoint
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    state, hashes = _stored(runtime, case.id)
    with pytest.raises(zlib.error):
        zlib.decompress(state)  # written now: with the dictionary
    assert hashes[-1] == state_digest(state)
    assert [v.ok for v in verify_batch(runtime, VerificationRun(KEY, full=True), [case.id])] == [True]
    assert verify_night(runtime, RUN, [case.id])[0].ok


def test_a_dibao_state_is_smaller_with_the_dictionary(runtime, login_as):
    case = Case(login_as)
    case.accept()
    case.investigate()
    state, _ = _stored(runtime, case.id)
    text = inflate_state(state)
    assert len(state) < 0.75 * len(zlib.compress(text, 6)), (len(state), len(zlib.compress(text, 6)))
