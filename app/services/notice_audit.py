"""Verification of a case's notices: each stored text and column (kind, date, unit, business key, task, step,
template) matches its event and case, and replay renders it again."""

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
    """Every notice event's stored notice exists and is what the event recorded."""
    if not any(e.command == COMMAND for e in events):
        return None
    return notices_problem(list(session.scalars(select(Notice).where(Notice.process_instance_id == instance.id))),
                           events, instance)


# a notice's columns that its pages show or that date it, each as people call it
_RECORDED = {"seq": "事件序号", "kind": "种类", "template_id": "模板", "task_id": "交付任务", "activity_id": "环节",
             "issued_at": "出具时间", "business_key": "业务键", "sha256": "哈希", "masked_sha256": "哈希",
             "org_path": "所属单位", "tenant_id": "所属县"}


def notices_problem(notices: list[Notice], events: list[CaseEvent],
                    case: ProcessInstance | None = None) -> tuple[int, str] | None:
    """Every notice event's notice is among `notices` (stored, or archived), its texts hash to what the event
    recorded, and its columns are those the event recorded (its date the event's) and, given the `case`, the case's
    unit and county."""
    rows = {n.id: n for n in notices}
    for event in (e for e in events if e.command == COMMAND):
        inputs = event.inputs or {}
        row = rows.get(inputs.get("noticeId"))
        if row is None:
            return event.seq, f"事件 {event.seq} 出具的告知书 {inputs.get('noticeId')} 缺失"
        if digest(row.text) != inputs.get("sha256") or digest(row.masked_text) != inputs.get("maskedSha256"):
            return event.seq, (f"存储的告知书 {row.id}（{row.kind}）与事件 {event.seq} 记录的哈希不符"
                               "（告知书被修改）")
        recorded = _recorded(event, inputs, case)
        changed = [label for column, label in _RECORDED.items()
                   if column in recorded and getattr(row, column) != recorded[column]]
        if changed:
            return event.seq, (f"存储的告知书 {row.id} 的{'、'.join(dict.fromkeys(changed))}与事件 {event.seq} "
                               "记录的不符（告知书被修改）")
    return None


def _recorded(event: CaseEvent, inputs: dict, case: ProcessInstance | None) -> dict:
    """What the notice's columns must be: as its event recorded them, and the case's unit and county."""
    recorded = {"seq": event.seq, "kind": inputs.get("kind"), "template_id": inputs.get("template"),
                "task_id": inputs.get("taskId"), "activity_id": event.target, "issued_at": event.at,
                "sha256": inputs.get("sha256"), "masked_sha256": inputs.get("maskedSha256")}
    if "businessKey" in inputs:  # recorded since the notice's number shows it
        recorded["business_key"] = inputs["businessKey"]
    elif case is not None:
        recorded["business_key"] = case.business_key
    if case is not None:
        recorded |= {"org_path": case.org_path, "tenant_id": case.tenant_id}
    return recorded


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
