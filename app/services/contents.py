"""Contents of Bytes and File variables (and attachments), kept once by their sha256.

A case holds a reference {"sha256", "size"}; the bytes are stored by the command that sets the
variable, in its transaction, and read only through a case the reader may see.
"""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.errors import NotFound
from app.store.tables import Content

from .runtime import Runtime


def content_reference(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def keep_contents(session: Session, contents: tuple[bytes, ...]) -> None:
    """Store, in the command's transaction, the contents not stored yet (one row per distinct sha256).

    Two commands storing the same new bytes at once: the second one's insert fails and it is retried
    by its client as any concurrent write (409).
    """
    if not contents:
        return
    by_hash = {hashlib.sha256(data).hexdigest(): data for data in contents}
    known = set(session.scalars(select(Content.sha256).where(Content.sha256.in_(by_hash))))
    moment = clock.now()
    session.add_all(Content(sha256=sha, size=len(data), data=data, created=moment)
                    for sha, data in by_hash.items() if sha not in known)


def content_of(rt: Runtime, sha256: str) -> bytes:
    """The bytes of a content (the caller has checked the case that references it)."""
    with rt.reading() as uow:
        data = uow.session.scalar(select(Content.data).where(Content.sha256 == sha256))
    if data is None:
        raise NotFound(f"内容 {sha256} 不存在", field="sha256")
    return data
