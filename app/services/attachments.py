"""Attachments: photos, scans and links on a case or one of its tasks (Camunda's task attachments).

Adding one stores its bytes by their sha256 (app/services/contents.py) and appends a case event recording the
hash; removing one appends another. Reading a list or the bytes goes through the case door (`open_case`, purpose
ATTACHMENTS): only those who may read the case see them, and each read is logged. A task's attachments stay
readable after the task is done (Camunda reads them through the task's history); only an open task's worker
adds to it or removes from it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import Forbidden, NotFound, TooLarge, ValidationFailed
from app.domain.files import is_image, media_type
from app.store.tables import Attachment, HistoryActivity, ProcessInstance, Task

from .case_commands import run_command
from .case_data import ATTACHMENTS, case_in_scope, open_case
from .cases import visible_task_and_case
from .contents import content_of, content_reference, keep_contents
from .registry import ATTACH, DETACH, AttachmentInputs, Issued
from .runtime import Runtime

NAME_LENGTH = 255
URL_LENGTH = 2000


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment as the API and the pages show it."""

    id: str
    case_id: str
    task_id: str | None
    activity_id: str | None
    name: str
    description: str | None
    type: str | None
    url: str | None
    sha256: str | None
    size: int | None
    media_type: str | None
    created: datetime
    created_by: str

    @classmethod
    def of(cls, row: Attachment) -> "AttachmentInfo":
        return cls(row.id, row.process_instance_id, row.task_id, row.activity_id, row.name, row.description,
                   row.type, row.url, row.sha256, row.size, row.media_type, row.created, row.created_by)

    @property
    def is_image(self) -> bool:
        """Whether a browser shows its bytes as a picture (the pages' thumbnail)."""
        return is_image(self.media_type)


@dataclass(frozen=True)
class NewAttachment:
    """What a client attaches: a name, optionally a description and a type, and either content or a URL."""

    name: str | None
    description: str | None = None
    type: str | None = None
    url: str | None = None
    content: bytes | None = None
    max_bytes: int = 20 * 1024 * 1024  # the ATTACHMENT_MAX_BYTES setting in force

    def checked(self) -> "NewAttachment":
        """Refuse what cannot be kept as given, naming the field (Camunda's multipart part names)."""
        if self.content is None and not self.url:
            raise ValidationFailed("没有附件内容（content）或链接（url）", field="content")
        if self.content is not None and self.url:
            raise ValidationFailed("附件只能是内容（content）或链接（url）之一", field="url")
        if self.content is not None and len(self.content) > self.max_bytes:
            raise TooLarge(f"附件 {len(self.content)} 字节，超过 {self.max_bytes} 字节上限（ATTACHMENT_MAX_BYTES）",
                           field="content")
        if self.content is not None and not self.content:
            raise ValidationFailed("附件内容为空", field="content")
        if not (self.name or "").strip():
            raise ValidationFailed("附件须有名称", field="attachment-name")
        if len(self.name or "") > NAME_LENGTH:
            raise ValidationFailed(f"附件名称不能超过 {NAME_LENGTH} 个字符", field="attachment-name")
        if len(self.type or "") > NAME_LENGTH:
            raise ValidationFailed(f"附件类型不能超过 {NAME_LENGTH} 个字符", field="attachment-type")
        if self.url is not None and (len(self.url) > URL_LENGTH or not self.url.startswith(("http://", "https://"))):
            raise ValidationFailed(f"链接须以 http:// 或 https:// 开头，不超过 {URL_LENGTH} 个字符", field="url")
        return self


def add_task_attachment(rt: Runtime, actor: Actor, task_id: str, new: NewAttachment) -> AttachmentInfo:
    """Attach a file or link to an open task the actor works on; a case event records its sha256."""
    new = new.checked()
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        if not actor.may_work_on(task.org_path, task.candidate_groups, task.assignee):
            raise Forbidden(f"用户 {actor.username} 不办理任务 {task.name}，不能为它添加附件")
        info = AttachmentInfo.of(_attach(rt, uow.session, actor, instance, new, task))
        uow.commit()
        return info


def add_case_attachment(rt: Runtime, actor: Actor, instance_id: str, new: NewAttachment) -> AttachmentInfo:
    """Attach a file or link to a case itself (not to one of its steps); a case event records its sha256."""
    new = new.checked()
    actor.require("attachment.add")
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        info = AttachmentInfo.of(_attach(rt, uow.session, actor, instance, new, None))
        uow.commit()
        return info


def _attach(rt: Runtime, session: Session, actor: Actor, instance: ProcessInstance, new: NewAttachment,
            task: Task | None) -> Attachment:
    reference = content_reference(new.content) if new.content is not None else {}
    kind = media_type(new.content) if new.content is not None else None
    row = Attachment(id=str(uuid.uuid4()), process_instance_id=instance.id, task_id=task.id if task else None,
                     activity_id=task.activity_id if task else None, name=new.name.strip(),
                     description=new.description or None, type=new.type or None, url=new.url or None,
                     sha256=reference.get("sha256"), size=reference.get("size"), media_type=kind,
                     created=clock.now(), created_by=actor.username, tenant_id=instance.tenant_id)
    inputs = AttachmentInputs(row.id, row.name, row.task_id, row.sha256, row.size, kind, row.url)
    run_command(rt, session, instance, Issued(ATTACH, inputs, actor, row.created, row.activity_id))
    if new.content is not None:  # after the case's move, as every command: the case row is locked before a content
        keep_contents(session, instance, (new.content,))
    session.add(row)
    return row


def task_attachments(rt: Runtime, actor: Actor, task_id: str) -> list[AttachmentInfo]:
    """The attachments of a task (open or done) of a case the actor may read; the read is logged."""
    with rt.unit_of_work() as uow:
        instance = _task_case(uow.session, actor, task_id)
        actor.require(ATTACHMENTS.permission or "case.read")
        rows = [AttachmentInfo.of(row) for row in uow.session.scalars(
            select(Attachment).where(Attachment.task_id == task_id).order_by(Attachment.created, Attachment.id))]
        if rows:  # an empty list shows nothing of the case: only a list that shows files is a logged read
            open_case(uow.session, actor, instance, ATTACHMENTS.at(f"task {task_id}"))
        uow.commit()
        return rows


def case_attachments(rt: Runtime, actor: Actor, instance_id: str) -> list[AttachmentInfo]:
    """Every attachment of a case, its own and its tasks', oldest first; the read is logged."""
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        actor.require(ATTACHMENTS.permission or "case.read")
        rows = [AttachmentInfo.of(row) for row in uow.session.scalars(
            select(Attachment).where(Attachment.process_instance_id == instance.id)
            .order_by(Attachment.created, Attachment.id))]
        if rows:
            open_case(uow.session, actor, instance, ATTACHMENTS)
        uow.commit()
        return rows


def task_attachment(rt: Runtime, actor: Actor, task_id: str, attachment_id: str,
                    with_content: bool = False) -> tuple[AttachmentInfo, bytes | None]:
    """One attachment of a task, and its bytes when asked; the read is logged."""
    with rt.unit_of_work() as uow:
        instance = _task_case(uow.session, actor, task_id)
        row = uow.session.get(Attachment, attachment_id)
        if row is None or row.task_id != task_id:
            raise NotFound(f"任务 {task_id} 没有附件 {attachment_id}", field="attachmentId")
        open_case(uow.session, actor, instance, ATTACHMENTS.at(f"{attachment_id}{' data' if with_content else ''}"))
        info = AttachmentInfo.of(row)
        uow.commit()
    return info, _content(rt, info) if with_content else None


def case_attachment(rt: Runtime, actor: Actor, instance_id: str, attachment_id: str) -> tuple[AttachmentInfo, bytes]:
    """One attachment of a case (its own or a task's) with its bytes; the read is logged."""
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        row = uow.session.get(Attachment, attachment_id)
        if row is None or row.process_instance_id != instance.id:
            raise NotFound(f"案件 {instance_id} 没有附件 {attachment_id}", field="attachmentId")
        open_case(uow.session, actor, instance, ATTACHMENTS.at(f"{attachment_id} data"))
        info = AttachmentInfo.of(row)
        uow.commit()
    return info, _content(rt, info)


def _content(rt: Runtime, row: AttachmentInfo) -> bytes:
    if row.sha256 is None:
        raise NotFound(f"附件 {row.id} 是链接（{row.url}），没有内容", field="attachmentId")
    return content_of(rt, row.sha256)


def delete_task_attachment(rt: Runtime, actor: Actor, task_id: str, attachment_id: str) -> None:
    """Remove an attachment from an open task the actor works on; a case event records the removal."""
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        row = uow.session.get(Attachment, attachment_id)
        if row is None or row.task_id != task_id:
            raise NotFound(f"任务 {task_id} 没有附件 {attachment_id}", field="attachmentId")
        if not actor.may_work_on(task.org_path, task.candidate_groups, task.assignee):
            raise Forbidden(f"用户 {actor.username} 不办理任务 {task.name}，不能删除它的附件")
        inputs = AttachmentInputs(row.id, row.name, row.task_id, row.sha256, row.size, row.media_type, row.url)
        run_command(rt, uow.session, instance, Issued(DETACH, inputs, actor, clock.now(), row.activity_id))
        uow.session.execute(delete(Attachment).where(Attachment.id == row.id))
        uow.commit()


def _task_case(session: Session, actor: Actor, task_id: str) -> ProcessInstance:
    """The case of a task, open or done, that the actor may see (others' tasks are not revealed)."""
    found = session.execute(select(HistoryActivity.org_path, HistoryActivity.process_instance_id)
                            .where(HistoryActivity.id == task_id,
                                   HistoryActivity.activity_type == "userTask")).first()
    if found is None or not actor.scope.covers(found.org_path):
        raise NotFound(f"任务 {task_id} 不存在", field="id")
    return case_in_scope(session, actor, found.process_instance_id)
