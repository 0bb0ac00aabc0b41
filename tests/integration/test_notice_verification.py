"""A notice is part of its case's proven history: changing a stored notice, its template or the case data it was
rendered from is named by verification, at the event that issued it."""

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from app.services.verification import VerificationRun, verify_batch
from app.store.tables import CaseEvent, Notice, NoticeTemplate
from tests.support import notice_steps as walks


def _verify(login_as, case) -> dict:
    auditor = login_as("auditor")
    return auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json


def _tamper(runtime, statement) -> None:
    """Change rows behind the service's back; on PostgreSQL bypass the append-only trigger as superuser."""
    with runtime.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            uow.session.execute(text("SET LOCAL session_replication_role = replica"))
        uow.session.execute(statement)
        uow.commit()


def _notice_event(runtime, case_id: str) -> CaseEvent:
    with runtime.reading() as uow:
        event = uow.session.query(CaseEvent).filter_by(process_instance_id=case_id, command="notice").one()
        uow.session.expunge(event)
        return event


def test_the_notice_event_records_both_texts_hashes_and_the_case_verifies(runtime, login_as, clock):
    case, _ = walks.dibao_refusal(login_as, clock)
    event = _notice_event(runtime, case.id)
    assert event.target == "refusal_notice" and event.command == "notice"
    assert set(event.inputs) >= {"noticeId", "kind", "template", "taskId", "settings", "sha256", "maskedSha256"}
    assert event.inputs["settings"] == {"review_body": "示范县人民政府", "court": "示范县人民法院"}
    assert _verify(login_as, case)["ok"] is True


@pytest.mark.parametrize("tamper, words", [
    (lambda notice_id: update(Notice).where(Notice.id == notice_id).values(text="不予批准决定书\n（内容被改写）"),
     "告知书被修改"),
    (lambda notice_id: update(Notice).where(Notice.id == notice_id).values(masked_text="张*：改写"),
     "告知书被修改"),
])
def test_a_changed_stored_notice_is_named_at_the_event_that_issued_it(runtime, login_as, clock, tamper, words):
    case, _ = walks.dibao_refusal(login_as, clock)
    event = _notice_event(runtime, case.id)
    _tamper(runtime, tamper(event.inputs["noticeId"]))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == event.seq
    assert words in verdict["problem"] and event.inputs["noticeId"] in verdict["problem"]


def _notice_row(notice_id: str, **values):
    return update(Notice).where(Notice.id == notice_id).values(**values)


# what the notice pages show or what dates a notice, changed behind the service's back, and how the verdict names it
CHANGED_METADATA = {
    "back-dated": (lambda n, at: _notice_row(n, issued_at=at - timedelta(days=400)), "出具时间"),
    "another kind": (lambda n, at: _notice_row(n, kind="approval"), "种类"),
    "another unit": (lambda n, at: _notice_row(n, org_path="/sfx/hd/"), "所属单位"),
    "another business key": (lambda n, at: _notice_row(n, business_key="DB-OTHER"), "业务键"),
    "another task": (lambda n, at: _notice_row(n, task_id="00000000-0000-0000-0000-000000000000"), "交付任务"),
    "another step": (lambda n, at: _notice_row(n, activity_id="approval_notice"), "环节"),
    "another template": (lambda n, at: _notice_row(n, template_id="forged:1"), "模板"),
    "hash columns": (lambda n, at: _notice_row(n, sha256="0" * 64), "哈希"),
}


@pytest.mark.parametrize("kind", list(CHANGED_METADATA))
def test_a_notices_changed_metadata_is_found_by_every_verifier(runtime, login_as, clock, kind):
    case, _ = walks.dibao_refusal(login_as, clock)
    event = _notice_event(runtime, case.id)
    tamper, words = CHANGED_METADATA[kind]
    _tamper(runtime, tamper(event.inputs["noticeId"], event.at))
    verdict = _verify(login_as, case)
    assert verdict["ok"] is False and verdict["firstBadEvent"] == event.seq and words in verdict["problem"], verdict
    whole = verify_batch(runtime, VerificationRun(b"test-audit-key", full=True), [case.id])[0]  # the nightly's, too
    assert whole.ok is False and whole.first_bad_event == event.seq and words in whole.problem, whole


def test_a_changed_template_is_found_by_rendering_the_notice_again(runtime, login_as, clock):
    case, _ = walks.linshi_refusal(login_as, clock)
    event = _notice_event(runtime, case.id)
    template_id = event.inputs["template"]
    with runtime.reading() as uow:
        original = uow.session.get(NoticeTemplate, template_id).text
    _tamper(runtime, update(NoticeTemplate).where(NoticeTemplate.id == template_id)
            .values(text=original.replace("行政复议", "行政复义")))
    try:
        verdict = _verify(login_as, case)
        assert verdict["ok"] is False and verdict["firstBadEvent"] == event.seq
        assert "重放生成的告知书" in verdict["problem"]
    finally:
        _tamper(runtime, update(NoticeTemplate).where(NoticeTemplate.id == template_id).values(text=original))


def test_the_notice_table_is_append_only_on_postgresql(runtime, login_as, clock):
    case, _ = walks.tekun_refusal(login_as, clock)
    with runtime.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("the append-only trigger is PostgreSQL's")
        with pytest.raises(Exception, match="append-only"):
            uow.session.execute(update(Notice).where(Notice.process_instance_id == case.id).values(text="x"))
