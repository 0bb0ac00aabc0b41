"""A file attached to a task through the engine API, as a Camunda client sends it (multipart)."""

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40  # a JPEG's first bytes
ER = "/engine-rest"


def attach(api, task_id: str, content: bytes | None = PHOTO, **parts):
    """POST …/attachment/create with `content` (a photo unless given; None: no content part) and `parts`."""
    data = {"attachment-name": "入户照片.jpg", "attachment-type": "image/jpeg", **parts}
    if content is not None:
        data["content"] = FileStorage(io.BytesIO(content), filename="photo.jpg")
    boundary, payload = encode_multipart(data)  # as bytes: the test client spools no temporary file
    return api.client.post(f"{ER}/task/{task_id}/attachment/create", data=payload, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")
