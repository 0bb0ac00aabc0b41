"""Verification of attachments: the bytes kept for each attachment a case event recorded still hash to it."""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.tables import CaseEvent, Content, ProcessInstance

from .registry import ATTACH


def stored_attachments_problem(session: Session, instance: ProcessInstance,
                               events: list[CaseEvent]) -> tuple[int, str] | None:
    """Every attached file's content exists and hashes to the sha256 its `attach` event recorded (the content
    table is not append-only: a changed or lost file is found here)."""
    attached = [e for e in events if e.command == ATTACH.name and (e.inputs or {}).get("sha256")]
    if not attached:
        return None
    wanted = {e.inputs["sha256"] for e in attached}
    kept = dict(session.execute(select(Content.sha256, Content.data).where(Content.sha256.in_(wanted))).all())
    for event in attached:
        sha = event.inputs["sha256"]
        data = kept.get(sha)
        if data is None:
            return event.seq, f"事件 {event.seq} 添加的附件 {event.inputs.get('attachmentId')} 的内容缺失"
        if hashlib.sha256(data).hexdigest() != sha or len(data) != event.inputs.get("size", len(data)):
            return event.seq, (f"附件 {event.inputs.get('attachmentId')} 的内容与事件 {event.seq} 记录的哈希不符"
                               "（文件被修改）")
    return None
