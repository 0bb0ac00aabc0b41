"""/task/{id}/attachment: Camunda's task attachments — a photo of a home visit, a scanned certificate, a link.

Created from a multipart body as Camunda's `…/attachment/create` reads it (parts `attachment-name`,
`attachment-description`, `attachment-type`, `url`, `content`), files up to ATTACHMENT_MAX_BYTES; read only by
those who may read the case (each read logged); the content is served as Camunda serves it, as a download.
"""

from datetime import datetime

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from app.domain.errors import ValidationFailed
from app.services.attachments import (
    AttachmentInfo,
    NewAttachment,
    add_task_attachment,
    delete_task_attachment,
    task_attachment,
    task_attachments,
)

from .removal import removal_date, removal_of, with_removal
from .support import actor, camunda_date, runtime

bp = Blueprint("task_attachment", __name__, url_prefix="/task")
PARTS = ("attachment-name", "attachment-description", "attachment-type", "url", "content")
MULTIPART_OVERHEAD = 1024 * 1024  # the other parts and the boundaries around the content


def allow_attachment_bodies() -> None:
    """Let a new attachment's body be as large as ATTACHMENT_MAX_BYTES allows (other bodies keep
    MAX_CONTENT_LENGTH); a larger one is refused naming that setting."""
    if request.endpoint == "engine_rest.task_attachment.create":
        limit = current_app.config["ATTACHMENT_MAX_BYTES"]
        request.max_content_length = limit + MULTIPART_OVERHEAD
        g.body_limit = (limit, "ATTACHMENT_MAX_BYTES")
        if (request.content_length or 0) > request.max_content_length:  # refused before a byte of it is read
            raise RequestEntityTooLarge()


def dto(info: AttachmentInfo, removal: datetime | None) -> dict:
    """Camunda's AttachmentDto."""
    href = url_for("engine_rest.task_attachment.get", task_id=info.task_id, attachment_id=info.id, _external=True)
    return {"id": info.id, "name": info.name, "description": info.description, "taskId": info.task_id,
            "type": info.type, "url": info.url, "createTime": camunda_date(info.created),
            "removalTime": removal_date(removal),
            "rootProcessInstanceId": info.case_id, "links": [{"method": "GET", "href": href, "rel": "self"}]}


_page = with_removal(dto, lambda info: info.case_id)


@bp.get("/<task_id>/attachment")
def index(task_id: str):
    return jsonify(_page(task_attachments(runtime(), actor(), task_id)))


@bp.post("/<task_id>/attachment/create")
def create(task_id: str):
    """Attach a file (part `content`) or a link (part `url`) to an open task."""
    if not request.mimetype.startswith("multipart/"):
        raise ValidationFailed("请求体须为 multipart/form-data（部件 attachment-name、content 或 url）", field="body")
    unknown = sorted((set(request.form) | set(request.files)) - set(PARTS))
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: 未知的部件（可用：{'、'.join(PARTS)}）", field=unknown[0])
    content = request.files.get("content")
    new = NewAttachment(_text("attachment-name"), _text("attachment-description"), _text("attachment-type"),
                        _text("url"), content.read() if content is not None else _bytes("content"),
                        current_app.config["ATTACHMENT_MAX_BYTES"])
    info = add_task_attachment(runtime(), actor(), task_id, new)
    return jsonify(dto(info, removal_of(info.case_id)))


def _text(name: str) -> str | None:
    """A text part, sent as a form field or as a file part (Camunda reads either)."""
    if name in request.form:
        return request.form[name]
    part = request.files.get(name)
    if part is None:
        return None
    try:
        return part.read().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValidationFailed(f"{name}: 须为 UTF-8 文本", field=name) from err


def _bytes(name: str) -> bytes | None:
    value = request.form.get(name)
    return value.encode("utf-8") if value is not None else None


@bp.get("/<task_id>/attachment/<attachment_id>")
def get(task_id: str, attachment_id: str):
    info = task_attachment(runtime(), actor(), task_id, attachment_id)[0]
    return jsonify(dto(info, removal_of(info.case_id)))


@bp.get("/<task_id>/attachment/<attachment_id>/data")
def data(task_id: str, attachment_id: str):
    """The attachment's bytes, as Camunda serves them: application/octet-stream."""
    _info, content = task_attachment(runtime(), actor(), task_id, attachment_id, with_content=True)
    response = Response(content, mimetype="application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.delete("/<task_id>/attachment/<attachment_id>")
def remove(task_id: str, attachment_id: str):
    delete_task_attachment(runtime(), actor(), task_id, attachment_id)
    return "", 204
