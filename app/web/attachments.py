"""附件 on the pages: a photo from the tablet's camera or a scanned PDF, attached to a task or to the case, each
picture listed with a thumbnail. Stored and authorised as the REST API's task attachments."""

from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, g, redirect, request, url_for

from app.domain.errors import DomainError, TooLarge
from app.services.attachments import NewAttachment, add_case_attachment, add_task_attachment, case_attachment
from app.services.thumbnails import thumbnail

from .auth import current_actor, login_required, runtime

bp = Blueprint("attachments", __name__)
UPLOADS = ("attachments.add_to_task", "attachments.add_to_case", "tasks.submit")  # a task form may carry a file
MULTIPART_OVERHEAD = 1024 * 1024
INLINE = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")  # shown in the browser


def _disposition(how: str, name: str) -> str:
    """A Content-Disposition naming the file in Chinese (RFC 6266 `filename*`, an ASCII fallback): a header is
    sent as Latin-1, so a name outside it whole would fail the answer."""
    ascii_name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")) or "file"
    return f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def allow_upload_bodies() -> None:
    """Let an upload be as large as ATTACHMENT_MAX_BYTES allows, before the CSRF check reads its form."""
    if request.endpoint in UPLOADS:
        limit = current_app.config["ATTACHMENT_MAX_BYTES"]
        request.max_content_length = limit + MULTIPART_OVERHEAD
        g.body_limit = (limit, "ATTACHMENT_MAX_BYTES")
        if (request.content_length or 0) > request.max_content_length:
            raise TooLarge(f"文件超过 {limit // (1024 * 1024)} MB 上限（ATTACHMENT_MAX_BYTES），请压缩或分开上传",
                           field="file")


def _new() -> NewAttachment | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    name = (request.form.get("name") or "").strip() or upload.filename
    return NewAttachment(name, request.form.get("description") or None, upload.mimetype or None, None,
                         upload.read(), current_app.config["ATTACHMENT_MAX_BYTES"])


def _added(add, target: str, back: str):
    new = _new()
    if new is None:
        flash("请选择要上传的照片或扫描件", "error")
        return redirect(back)
    try:
        info = add(runtime(), current_actor(), target, new)
    except DomainError as err:
        if err.status in (404, 403):
            raise
        flash(f"附件未上传：{err.message}", "error")
        return redirect(back)
    flash(f"已上传附件「{info.name}」", "success")
    return redirect(back)


@bp.post("/tasks/<task_id>/attachments")
@login_required
def add_to_task(task_id: str):
    """Attach a photo or a scan to a task I work on."""
    return _added(add_task_attachment, task_id, url_for("tasks.show", task_id=task_id) + "#attachments")


@bp.post("/cases/<instance_id>/attachments")
@login_required
def add_to_case(instance_id: str):
    """Attach a photo or a scan to the case itself."""
    return _added(add_case_attachment, instance_id, url_for("cases.show", instance_id=instance_id) + "#attachments")


@bp.get("/cases/<instance_id>/attachments/<attachment_id>")
@login_required
def content(instance_id: str, attachment_id: str):
    """An attachment's bytes (`?thumb=1`: a small preview of a picture); a photo or a PDF opens in the browser,
    anything else downloads. Every read goes through the case door and is logged."""
    info, data = case_attachment(runtime(), current_actor(), instance_id, attachment_id)
    kind = info.media_type if info.media_type in INLINE else "application/octet-stream"
    small = thumbnail(data) if request.args.get("thumb") and info.is_image else None
    if small is not None:
        data, kind = small, "image/jpeg"
    response = Response(data, mimetype=kind)
    response.headers["Content-Disposition"] = _disposition("inline" if kind in INLINE else "attachment", info.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"  # never a page of this service, whatever it holds
    response.headers["Cache-Control"] = "private, no-cache"  # asked again each time (and logged), sent once
    response.set_etag(f"{info.sha256}{'-thumb' if request.args.get('thumb') else ''}")
    return response.make_conditional(request)
