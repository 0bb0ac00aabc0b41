"""A form's file picker (form-js `filepicker`): its value names attachments of the task being completed — a photo
or a scan uploaded first through the task-attachment service (the page does it on submit, a REST client with
POST /task/{id}/attachment/create) — each of a kind the picker's `accept` allows."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import ValidationFailed
from app.store.tables import Attachment, Task

from .forms import file_fields


def check_files(session: Session, task: Task, schema: dict, accepted: dict) -> None:
    """Refuse (400 naming the field) a picker's value that is not an attachment of this task of an accepted kind."""
    for field in file_fields(schema):
        value = accepted.get(field["key"])
        if value in (None, "", []):
            continue
        ids = value if isinstance(value, list) else [value]
        rows = {a.id: a for a in session.scalars(select(Attachment).where(Attachment.id.in_(ids),
                                                                          Attachment.task_id == task.id))}
        label = field.get("label") or field["key"]
        for attachment_id in ids:
            row = rows.get(attachment_id)
            if row is None:
                raise ValidationFailed(f"{label}：{attachment_id} 不是本任务的附件（先上传，再提交附件编号）",
                                       field=field["key"])
            if not accepts(field.get("accept"), row.media_type, row.name):
                raise ValidationFailed(f"{label}：附件「{row.name}」的类型不在允许的范围（{field['accept']}）内",
                                       field=field["key"])


def accepts(accept, media_type: str | None, name: str) -> bool:
    """Whether a file is of a kind an HTML `accept` list (`image/*,.pdf,application/pdf`) allows; none: any."""
    if not isinstance(accept, str) or not accept.strip():
        return True
    kind, lower = (media_type or "").lower(), name.lower()
    for item in (part.strip().lower() for part in accept.split(",") if part.strip()):
        if item.startswith(".") and lower.endswith(item):
            return True
        if item.endswith("/*") and kind.startswith(item[:-1]):
            return True
        if item == kind:
            return True
    return False
