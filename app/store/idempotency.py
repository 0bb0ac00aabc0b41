"""Idempotency keys: recorded in the transaction of the command they came with, answered from afterwards."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.errors import Conflict

from .tables import IdempotencyKey


class KeyInUse(Conflict):
    """Another request with this key committed first: its answer is the one to give."""


@dataclass(frozen=True)
class PendingKey:
    """A key sent with a command not yet committed: whose it is, and what request it names."""

    owner: str
    key: str
    fingerprint: str
    moment: datetime
    kept_since: datetime  # rows older than this have expired and no longer count


@dataclass(frozen=True)
class Answer:
    """An answer to store with a key."""

    status: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class KnownKey:
    fingerprint: str
    status: int | None  # None: the command committed, its answer is not stored (yet)
    content_type: str | None
    body: bytes | None
    case_id: str | None = None  # the case the command (a start) created


def find_key(session: Session, owner: str, key: str, kept_since: datetime) -> KnownKey | None:
    """Return what the key recorded, or None if it names no command still kept."""
    row = session.execute(select(IdempotencyKey.fingerprint, IdempotencyKey.status, IdempotencyKey.content_type,
                                 IdempotencyKey.body, IdempotencyKey.case_id)
                          .where(IdempotencyKey.owner == owner, IdempotencyKey.key == key,
                                 IdempotencyKey.created_at >= kept_since)).first()
    return KnownKey(*row) if row else None


def record_key(session: Session, pending: PendingKey, answer: Answer | None = None) -> None:
    """Add the key in the command's transaction, with the answer the command will be given if it commits when that
    is known before it runs; a key of the same name that expired makes way for it."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.owner == pending.owner,
                                                 IdempotencyKey.key == pending.key,
                                                 IdempotencyKey.created_at < pending.kept_since))
    known = {"status": answer.status, "content_type": answer.content_type, "body": answer.body} if answer else {}
    session.add(IdempotencyKey(owner=pending.owner, key=pending.key, fingerprint=pending.fingerprint,
                               created_at=pending.moment, **known))
    try:
        session.flush()  # on PostgreSQL, waits here while a request with the same key is in flight
    except IntegrityError as err:
        raise KeyInUse(f"Idempotency-Key {pending.key} 的请求已在处理", field="Idempotency-Key") from err


def store_answer(session: Session, owner: str, key: str, status: int, content_type: str | None,
                 body: bytes) -> None:
    session.execute(update(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
                    .values(status=status, content_type=content_type, body=body))


def purge_keys(session: Session, kept_since: datetime) -> int:
    """Delete the keys that have expired; return how many."""
    done: Any = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < kept_since))
    return int(done.rowcount)
