"""Verification of a case's notices: each stored text matches its event, and replay renders it again."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import DomainError
from app.engine.changes import OpenTask
from app.store.tables import CaseEvent, Notice, NoticeTemplate, ProcessInstance

from .case_data import case_marks
from .notices import COMMAND, Issue, compose, digest
from .registry import NOTICE


def stored_notices_problem(session: Session, instance: ProcessInstance,
                           events: list[CaseEvent]) -> tuple[int, str] | None:
    """Every notice event's stored notice exists and hashes to what the event recorded."""
    if not any(e.command == COMMAND for e in events):
        return None
    return notices_problem(list(session.scalars(select(Notice).where(Notice.process_instance_id == instance.id))),
                           events)


def notices_problem(notices: list[Notice], events: list[CaseEvent]) -> tuple[int, str] | None:
    """Every notice event's notice is among `notices` (stored, or archived) and hashes to what the event recorded."""
    rows = {n.id: n for n in notices}
    for event in (e for e in events if e.command == COMMAND):
        inputs = event.inputs or {}
        row = rows.get(inputs.get("noticeId"))
        if row is None:
            return event.seq, f"事件 {event.seq} 出具的告知书 {inputs.get('noticeId')} 缺失"
        if digest(row.text) != inputs.get("sha256") or digest(row.masked_text) != inputs.get("maskedSha256"):
            return event.seq, (f"存储的告知书 {row.id}（{row.kind}）与事件 {event.seq} 记录的哈希不符"
                               "（告知书被修改）")
    return None


def replayed_notice_problem(session: Session, instance: ProcessInstance, event: CaseEvent,
                            opened: list[OpenTask], variables: dict) -> str | None:
    """Render the notice again from the replayed case; say how it differs from the event's record."""
    try:
        recorded = NOTICE.read(event.inputs)
    except (KeyError, TypeError) as err:
        return f"告知书事件缺少输入 {err}"
    issue = Issue.from_event(recorded, event.seq, event.at)
    template = session.get(NoticeTemplate, issue.template_id)  # as stored now, not as this process cached it
    if template is None:
        return f"告知书模板 {issue.template_id} 已不存在"
    task = next((t for t in opened if t.id == issue.task_id), None)
    if task is None or task.notice != issue.kind:
        return f"重放时前一命令没有打开出具 {issue.kind} 告知书的交付任务 {issue.task_id}"
    try:
        whole, masked = compose(issue, template.text, variables, task.local, instance.definition_key,
                                case_marks(session, instance.definition_id))
    except DomainError as err:
        return f"重放生成告知书失败：{err.message}"
    if digest(whole) != recorded.sha256 or digest(masked) != recorded.masked_sha256:
        return f"重放生成的告知书（{issue.kind}）与事件记录的哈希不符（案件数据或模板被修改）"
    return None
