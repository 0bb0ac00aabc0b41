"""Rotating the audit key: the service signs with AUDIT_KEY only, and a checkpoint signed with a key it replaced
(AUDIT_KEYS_RETIRED) is still authentic — the night confirms it as an unchanged one and signs it again with the
current key — while one signed under no configured key is still found forged."""

import re

import pytest
from sqlalchemy import update

from app.domain.audit import AuditKeys, checkpoint_signature, key_id
from app.services.verification import VerificationRun, _rehash_tonight, verify_batch, verify_night
from app.store.tables import AuditCheckpoint, ProcessInstance
from tests.support.dibao_steps import Case
from tests.support.tamper import tamper_rows
from tests.support.web_client import Web

CURRENT = b"test-audit-key"  # as the tests' app is configured (AUDIT_KEY)
RETIRED = b"the-key-before-the-rotation"
NEVER = b"a-key-never-configured"
ROTATED = VerificationRun(CURRENT, retired=(RETIRED,))


@pytest.fixture(autouse=True)
def _audit_keys(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", CURRENT.decode())
    monkeypatch.setitem(app.config, "AUDIT_KEYS_RETIRED", (RETIRED.decode(),))


def _checkpointed_under(runtime, login_as, key: bytes) -> Case:
    """A case verified, and checkpointed, while the service signed with `key`."""
    case = Case.investigated(login_as)
    assert verify_batch(runtime, VerificationRun(key), [case.id])[0].ok
    return case


def _checkpoint(runtime, case_id: str) -> AuditCheckpoint:
    with runtime.reading() as uow:
        return uow.session.get(AuditCheckpoint, case_id)


def _signed_with(runtime, case_id: str, key: bytes) -> bool:
    c = _checkpoint(runtime, case_id)
    return c.signature == checkpoint_signature(key, case_id, c.seq, c.event_hash, c.state_hash, c.variables_hash,
                                               c.case_data_hash, c.case_row_version, c.case_identity_hash,
                                               c.case_status_hash)


def _night(case_id: str, turn: bool, **keys) -> VerificationRun:
    """A nightly run (with `keys`, default the rotated ones) on a night that is, or is not, the case's turn to be
    verified whole."""
    given = {"key": CURRENT, "retired": (RETIRED,), **keys}
    return next(run for night in range(1, 61) if _rehash_tonight(run := VerificationRun(**given, night=night),
                                                                 case_id) is turn)


def test_a_checkpoint_signed_with_a_retired_key_is_confirmed_unreplayed_and_signed_again_with_the_current_one(
        runtime, login_as, clock, replayed):
    case = _checkpointed_under(runtime, login_as, RETIRED)
    before = _checkpoint(runtime, case.id)
    verdict = verify_night(runtime, _night(case.id, turn=False), [case.id])[0]
    assert (verdict.ok, verdict.retired_key) == (True, key_id(RETIRED)), verdict
    assert replayed == [4]  # the first verification's; the night replayed nothing, as for an unchanged case
    after = _checkpoint(runtime, case.id)
    assert _signed_with(runtime, case.id, CURRENT) and after.signature != before.signature
    assert (after.seq, after.event_hash, after.case_row_version) == (before.seq, before.event_hash,
                                                                     before.case_row_version)
    # after one night nothing depends on the retired key: with it removed from the list the case still confirms
    unrotated = verify_night(runtime, _night(case.id, turn=False, retired=()), [case.id])[0]
    assert (unrotated.ok, unrotated.retired_key) == (True, None) and replayed == [4]


def test_without_the_retired_key_the_same_checkpoint_would_be_reported_forged(runtime, login_as, clock):
    case = _checkpointed_under(runtime, login_as, RETIRED)
    verdict = verify_night(runtime, _night(case.id, turn=False, retired=()), [case.id])[0]
    assert verdict.ok is False and "签名无效" in verdict.problem, verdict
    assert _signed_with(runtime, case.id, RETIRED)  # a failed case keeps its checkpoint as it was


@pytest.mark.parametrize("path", ["its turn to be verified whole", "row written since", "new event"])
def test_a_retired_keys_checkpoint_verified_whole_or_rehashed_is_signed_again_too(runtime, login_as, clock, path):
    case = _checkpointed_under(runtime, login_as, RETIRED)
    if path == "row written since":  # the same data stored as other text: hashed (PostgreSQL) or verified whole
        with runtime.reading() as uow:
            variables = uow.session.get(ProcessInstance, case.id).variables
        tamper_rows(runtime, update(ProcessInstance).where(ProcessInstance.id == case.id)
                    .values(variables=dict(reversed(list(variables.items())))))
    if path == "new event":
        case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    verdict = verify_night(runtime, _night(case.id, turn=path == "its turn to be verified whole"), [case.id])[0]
    assert (verdict.ok, verdict.retired_key) == (True, key_id(RETIRED)), verdict
    assert _signed_with(runtime, case.id, CURRENT)
    assert verify_night(runtime, _night(case.id, turn=False, retired=()), [case.id])[0].ok


@pytest.mark.parametrize("turn", [False, True])
def test_a_checkpoint_signed_with_a_key_never_configured_still_fails(runtime, login_as, clock, turn):
    case = _checkpointed_under(runtime, login_as, NEVER)
    verdict = verify_night(runtime, _night(case.id, turn=turn), [case.id])[0]
    assert verdict.ok is False and verdict.retired_key is None and "签名无效" in verdict.problem, verdict
    assert _signed_with(runtime, case.id, NEVER)


def test_the_auditors_verification_holds_a_retired_keys_checkpoint_as_authentic(app, runtime, login_as, clock):
    rotated = _checkpointed_under(runtime, login_as, RETIRED)
    forged = _checkpointed_under(runtime, login_as, NEVER)
    auditor = login_as("auditor")
    answers = {case.id: auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
               for case in (rotated, forged)}
    assert answers[rotated.id]["ok"] is True, answers
    assert answers[forged.id]["ok"] is False and "签名无效" in answers[forged.id]["problem"]
    assert '<p class="verdict-ok">' in Web(app, "auditor").get(f"/auditor/cases/{rotated.id}").text
    assert _signed_with(runtime, rotated.id, RETIRED)  # a read signs nothing: the night does


def test_the_night_reports_how_many_checkpoints_it_signed_again_and_with_which_key(app, runtime, runner, login_as,
                                                                                   clock):
    cases = [_checkpointed_under(runtime, login_as, RETIRED) for _ in range(2)]
    result = runner.invoke(args=["audit-verify", "--processes", "1"])
    told = re.search(rf"(\d+) checkpoint\(s\) signed with a retired audit key signed again with the current key "
                     rf"{key_id(CURRENT)}: (\d+) of key {key_id(RETIRED)}\n", result.output)
    assert told and told[1] == told[2] and int(told[1]) >= 2, result.output  # this module's others too
    assert all(_signed_with(runtime, case.id, CURRENT) for case in cases)
    again = runner.invoke(args=["audit-verify", "--processes", "1"])
    assert "retired audit key" not in again.output and cases[0].id not in again.output


def test_the_keys_are_named_by_their_ids_never_shown(runner):
    result = runner.invoke(args=["audit", "keys"])
    assert result.output == f"current {key_id(CURRENT)}\nretired {key_id(RETIRED)}\n"
    assert CURRENT.decode() not in result.output and RETIRED.decode() not in result.output


def test_a_retired_key_equal_to_the_current_one_counts_once(app, monkeypatch):
    from app.extensions import audit_keys

    monkeypatch.setitem(app.config, "AUDIT_KEYS_RETIRED", (CURRENT.decode(), RETIRED.decode(), RETIRED.decode()))
    with app.app_context():
        assert audit_keys() == AuditKeys(CURRENT, (RETIRED,))


def test_a_signature_is_made_with_the_current_key_only(runtime, login_as, clock):
    case = Case.investigated(login_as)
    assert verify_batch(runtime, ROTATED, [case.id])[0].ok
    assert _signed_with(runtime, case.id, CURRENT) and not _signed_with(runtime, case.id, RETIRED)
