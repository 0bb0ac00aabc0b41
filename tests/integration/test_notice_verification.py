"""A notice is part of its case's proven history: changing a stored notice, its template or the case data it was
rendered from is named by verification, at the event that issued it."""

import pytest
from sqlalchemy import text, update

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
