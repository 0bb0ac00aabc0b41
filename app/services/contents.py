"""Contents of Bytes and File variables (and attachments), kept once by their sha256.

A case holds a reference {"sha256", "size"}; the bytes are stored by the command that sets the variable, in its
transaction, with a `content_use` row saying that the case uses them; they are read only through a case the reader
may see, and removed by the history clean-up, once its archive holds them, with the last case that uses them.

A command referencing a content the clean-up is removing: the command records its use, then locks the content
(FOR SHARE); the clean-up locks it (FOR UPDATE) before it looks for other uses. Whichever comes second waits for the
other's end: a clean-up that waited sees the command's use and keeps the content; a command that waited finds the
content gone and stores it again from the bytes it was given. On SQLite, one writer at a time: the use, written
first, opens the command's write transaction if nothing did before, so nothing is removed between its read and
its commit.
"""

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.errors import NotFound
from app.store.tables import Content, ContentUse, ProcessInstance

from .runtime import Runtime


def content_reference(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def keep_contents(session: Session, instance: ProcessInstance, contents: tuple[bytes, ...]) -> None:
    """Store, in the command's transaction, the contents not stored yet (one row per distinct sha256), and record
    that the case uses each (its root case, for an instance a call activity started). The case row must exist.

    Two commands storing the same new bytes at once: the second one's insert waits for the first and adds none.
    """
    if not contents:
        return
    by_hash = {hashlib.sha256(data).hexdigest(): data for data in contents}
    case_id = instance.root_process_instance_id or instance.id
    dialect = session.get_bind().dialect.name
    session.execute(_adding(dialect, ContentUse).values(
        [{"sha256": sha, "process_instance_id": case_id, "tenant_id": instance.tenant_id} for sha in by_hash]))
    kept = set(session.scalars(select(Content.sha256).where(Content.sha256.in_(by_hash))
                               .with_for_update(read=True)))
    moment = clock.now()
    missing = [{"sha256": sha, "size": len(data), "data": data, "created": moment}
               for sha, data in by_hash.items() if sha not in kept]
    if missing:
        session.execute(_adding(dialect, Content).values(missing))


def _adding(dialect: str, model):
    """An INSERT that leaves out the rows whose key is there already."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model).on_conflict_do_nothing()


def release_contents(session: Session, archived: set[str]) -> int:
    """Remove, in the history clean-up's transaction (after the removed cases' uses), the contents among `archived`
    that no remaining case of any county uses; return how many. Each is locked before its other uses are read."""
    if not archived:
        return 0
    held = list(session.scalars(select(Content.sha256).where(Content.sha256.in_(archived))
                                .order_by(Content.sha256).with_for_update()))
    used = set(session.scalars(select(ContentUse.sha256).where(ContentUse.sha256.in_(held)).distinct()
                               .execution_options(cross_county=True)))
    gone = [sha for sha in held if sha not in used]
    if gone:
        session.execute(delete(Content).where(Content.sha256.in_(gone)))
    return len(gone)


def content_of(rt: Runtime, sha256: str) -> bytes:
    """The bytes of a content (the caller has checked the case that references it)."""
    with rt.reading() as uow:
        data = uow.session.scalar(select(Content.data).where(Content.sha256 == sha256))
    if data is None:
        raise NotFound(f"内容 {sha256} 不存在", field="sha256")
    return data
