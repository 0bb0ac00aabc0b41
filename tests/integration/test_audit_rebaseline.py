"""Re-baselining a case after an investigated verification failure (flask audit rebaseline): the case is verified
whole without its old checkpoint and, only if it holds, given a new signed checkpoint; each re-baseline is recorded
(audit_rebaseline) and shown to the auditor; a case that does not verify whole, or is unknown, is refused."""

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from app.domain.audit import checkpoint_signature
from app.domain.errors import Forbidden
from app.services.rebaseline import rebaseline_case
from app.services.users import active_actor
from app.services.verification import VerificationRun, _rehash_tonight, verify_batch, verify_night
from app.store.tables import AuditCheckpoint, AuditRebaseline, CaseEvent
from tests.support.dibao_steps import Case
from tests.support.org import add_county
from tests.support.tamper import tamper_rows
from tests.support.web_client import Web

KEY = b"test-audit-key"  # as the tests' app is configured (AUDIT_KEY)
LOST = b"a-key-nobody-kept"
REASON = "调查结论：检查点由已遗失的旧密钥签名，事件链与重放均无异常"


@pytest.fixture(autouse=True)
def _audit_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", KEY.decode())
    monkeypatch.setitem(app.config, "AUDIT_KEYS_RETIRED", ())


def _checkpoint(runtime, case_id: str) -> AuditCheckpoint:
    with runtime.reading() as uow:
        return uow.session.get(AuditCheckpoint, case_id)


def _signed_with(checkpoint: AuditCheckpoint, key: bytes) -> bool:
    c = checkpoint
    return c.signature == checkpoint_signature(key, c.process_instance_id, c.seq, c.event_hash, c.state_hash,
                                               c.variables_hash, c.case_data_hash, c.case_row_version,
                                               c.case_identity_hash, c.case_status_hash)


def _night(case_id: str) -> VerificationRun:
    """A nightly run on a night that is not the case's turn to be verified whole."""
    return next(run for night in range(1, 61)
                if not _rehash_tonight(run := VerificationRun(KEY, night=night), case_id))


def _records(runtime, case_id: str) -> list[AuditRebaseline]:
    with runtime.reading() as uow:
        rows = list(uow.session.scalars(select(AuditRebaseline).where(AuditRebaseline.process_instance_id == case_id)))
        uow.session.expunge_all()
        return rows


def _failing(runtime, login_as, failure: str) -> Case:
    """A case whose checkpoint fails every night, for a reason an investigation cleared."""
    case = Case.investigated(login_as)
    key = LOST if failure == "signed with a lost key" else KEY
    assert verify_batch(runtime, VerificationRun(key), [case.id])[0].ok
    if failure == "checkpoint's data rewritten":  # e.g. restored from a backup taken mid-write
        tamper_rows(runtime, update(AuditCheckpoint).where(AuditCheckpoint.process_instance_id == case.id)
                    .values(variables={"restored": True}))
    if failure == "a later event":
        case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
        tamper_rows(runtime, update(AuditCheckpoint).where(AuditCheckpoint.process_instance_id == case.id)
                    .values(signature="0" * 64))
    return case


@pytest.mark.parametrize("failure, events", [("signed with a lost key", 4), ("checkpoint's data rewritten", 4),
                                             ("a later event", 5)])
def test_an_investigated_failure_is_rebaselined_recorded_and_confirmed_the_next_night(
        app, runtime, runner, login_as, clock, failure, events):
    case = _failing(runtime, login_as, failure)
    old = _checkpoint(runtime, case.id)
    assert verify_batch(runtime, VerificationRun(KEY), [case.id])[0].ok is False  # until re-baselined
    result = runner.invoke(args=["audit", "rebaseline", case.id, "--reason", REASON, "--by", "审计员王五"])
    assert result.exit_code == 0, result.output
    assert f"case {case.id} verified whole and re-baselined: checkpoint at event 4 replaced by a checkpoint at " \
        f"event {events}" in result.output
    new = _checkpoint(runtime, case.id)
    assert new.seq == events and _signed_with(new, KEY) and new.verified_at == clock()
    assert verify_night(runtime, _night(case.id), [case.id])[0].ok  # the next night confirms it
    assert verify_batch(runtime, VerificationRun(KEY), [case.id])[0].ok  # and its turn to be verified whole
    [record] = _records(runtime, case.id)
    assert (record.rebaselined_by, record.reason, record.at, record.tenant_id) == ("审计员王五", REASON, clock(),
                                                                                  "sfx")
    assert (record.old_seq, record.old_event_hash, record.old_signature) == (4, old.event_hash, old.signature)
    assert (record.new_seq, record.new_signature) == (events, new.signature) and record.os_user
    # the auditor sees it on the case's page and through /api/audit
    auditor = login_as("auditor")
    shown = auditor.client.get(f"/api/audit/cases/{case.id}/rebaselines", headers=auditor.headers)
    assert shown.status_code == 200 and [(r["by"], r["reason"], r["oldSeq"], r["oldSignature"], r["newSeq"])
                                         for r in shown.json] == [("审计员王五", REASON, 4, old.signature, events)]
    page = Web(app, "auditor").get(f"/auditor/cases/{case.id}").text
    assert 'id="rebaselines"' in page and REASON in page and "审计员王五" in page
    assert '<p class="verdict-ok">' in page


def test_without_a_name_the_os_user_is_recorded(runtime, runner, login_as, clock):
    case = _failing(runtime, login_as, "signed with a lost key")
    assert runner.invoke(args=["audit", "rebaseline", case.id, "--reason", REASON]).exit_code == 0
    [record] = _records(runtime, case.id)
    assert record.rebaselined_by == record.os_user != ""


def _event_edited(runtime, case: Case) -> None:
    tamper_rows(runtime, update(CaseEvent).where(CaseEvent.process_instance_id == case.id, CaseEvent.seq == 2)
                .values(actor="someone_else"))


def _checkpoint_beyond(runtime, case: Case) -> None:  # as if the events after the last were removed
    tamper_rows(runtime, update(AuditCheckpoint).where(AuditCheckpoint.process_instance_id == case.id)
                .values(seq=9))


REFUSED = {
    # the history itself does not verify: nothing to re-baseline on
    "an event edited": (_event_edited, lambda c: [c], "完整核验未通过，未重新建立审计基线：事件 2"),
    # verified events are gone: the checkpoint is never moved back
    "events removed": (_checkpoint_beyond, lambda c: [c], "事件 9，案件却只有 4 个事件"),
    "no reason": (None, lambda c: [c, "--reason", "  "], "必须写明"),
    "a name too long": (None, lambda c: [c, "--by", "x" * 65], "操作人"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_case_that_does_not_verify_whole_is_refused_naming_it_and_the_problem(runtime, runner, login_as, clock,
                                                                               kind):
    case = _failing(runtime, login_as, "signed with a lost key")
    tamper, args, says = REFUSED[kind]
    if tamper:
        tamper(runtime, case)
    before = _checkpoint(runtime, case.id)
    given = args(case.id)
    result = runner.invoke(args=["audit", "rebaseline", *given, *([] if "--reason" in given else ["--reason", REASON])])
    assert result.exit_code == 1 and says in result.output, result.output
    if kind not in ("no reason", "a name too long"):
        assert f"案件 {case.id} " in result.output
    after = _checkpoint(runtime, case.id)
    assert (after.seq, after.signature) == (before.seq, before.signature) and _records(runtime, case.id) == []


def test_an_unknown_case_is_refused(runtime, runner):
    result = runner.invoke(args=["audit", "rebaseline", "no-such-case", "--reason", REASON])
    assert result.exit_code == 1 and "案件 no-such-case 不存在" in result.output, result.output
    assert runner.invoke(args=["audit", "rebaseline", "no-such-case"]).exit_code == 2  # --reason is required


def test_only_the_services_own_cli_may_rebaseline(runtime, login_as, clock):
    case = _failing(runtime, login_as, "signed with a lost key")
    auditor, _ = active_actor(runtime, "auditor")
    with pytest.raises(Forbidden):
        rebaseline_case(runtime, auditor, case.id, KEY, "auditor", "auditor", REASON)
    assert _records(runtime, case.id) == []


def test_the_record_of_a_rebaseline_cannot_be_changed_or_removed_on_postgresql(runtime, runner, login_as, clock):
    with runtime.reading() as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite keeps no append-only triggers")
    case = _failing(runtime, login_as, "signed with a lost key")
    assert runner.invoke(args=["audit", "rebaseline", case.id, "--reason", REASON]).exit_code == 0
    for statement in (update(AuditRebaseline).values(reason="nothing happened"), delete(AuditRebaseline),
                      text("TRUNCATE audit_rebaseline")):
        with pytest.raises(DBAPIError, match="append-only"):
            with runtime.unit_of_work() as uow:
                uow.session.execute(statement)
                uow.commit()
    with runtime.reading() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditRebaseline).where(
            AuditRebaseline.reason == REASON, AuditRebaseline.process_instance_id == case.id)) == 1


def test_another_countys_auditor_sees_no_record(runtime, runner, login_as, clock):
    case = _failing(runtime, login_as, "signed with a lost key")
    assert runner.invoke(args=["audit", "rebaseline", case.id, "--reason", REASON]).exit_code == 0
    add_county(runtime, "rbx", "基线县", "rbxzhen", county_roles=("auditor",))
    other = login_as("auditor_rbx")
    assert other.client.get(f"/api/audit/cases/{case.id}/rebaselines", headers=other.headers).status_code == 404
    auditor = login_as("auditor")
    assert auditor.client.get("/api/audit/cases/no-such-case/rebaselines", headers=auditor.headers).status_code == 404
