"""Idempotency keys for the API: attach one to the request's command, find the first answer a key was given,
store it, and delete the keys that have expired. The key itself is written by the unit of work, first thing in
the command's own transaction (app/store/scope.py), so a command and its key commit together or not at all; with
it, the answer when it is known before the command runs (`expect_answer`), and a start's case (`note_started_case`),
so that a retry after a node died between the commit and storing the answer still gets it."""

import time
from datetime import datetime

from sqlalchemy.orm import Session

from app.store.idempotency import Answer, KeyInUse, KnownKey, PendingKey, find_key, purge_keys, store_answer
from app.store.scope import current_scope, end_scope
from app.store.tables import IdempotencyKey
from app.store.writes import Writes

from .runtime import Runtime

__all__ = ["Answer", "KeyInUse", "KnownKey", "PendingKey", "answer_in_transaction", "answer_recorded", "attach",
           "attached_key", "committed_key", "expect_answer", "find_answer", "keep_answer", "note_started_case",
           "purge_expired"]


def attach(pending: PendingKey) -> bool:
    """Have the commands of the request being served record `pending`; False outside a request."""
    scope = current_scope()
    if scope is None:
        return False
    scope.key, scope.commits = pending, 0  # what signing in committed is not the command
    return True


def expect_answer(answer: Answer) -> None:
    """The answer the request's command gets if it commits, known before it runs: recorded with its key, in its own
    transaction. Only for a command of one transaction (a later one could still fail and change the answer)."""
    scope = current_scope()
    if scope is not None and scope.key is not None and scope.commits == 0:
        scope.answer = answer


def answer_recorded() -> Answer | None:
    """The answer recorded with the committed key of the request, if it was known before the command ran."""
    scope = current_scope()
    return scope.answer if scope is not None and scope.key is not None and scope.commits else None


def note_started_case(writes: Writes, case_id: str) -> None:
    """Have the key of the request's command (a start) name the case it creates, written with the case."""
    scope = current_scope()
    if scope is not None and scope.key is not None and scope.commits == 0:
        writes.update_rows(IdempotencyKey.__table__, [{"owner": scope.key.owner, "key": scope.key.key,
                                                       "case_id": case_id}], ("owner", "key"))


def committed_key() -> PendingKey | None:
    """The request's key, once its command committed."""
    scope = current_scope()
    return scope.key if scope is not None and scope.commits else None


def attached_key() -> PendingKey | None:
    scope = current_scope()
    return scope.key if scope is not None else None


def find_answer(rt: Runtime, pending: PendingKey, wait: float = 1.0) -> KnownKey | None:
    """The key's record; one whose command committed a moment ago is given `wait` seconds for its answer."""
    until = time.monotonic() + wait
    while True:
        with rt.reading() as uow:
            known = find_key(uow.session, pending.owner, pending.key, pending.kept_since)
        if known is None or known.status is not None or time.monotonic() >= until:
            return known
        time.sleep(0.05)


def answer_in_transaction(session: Session, status: int, content_type: str, body: bytes) -> None:
    """Store the answer of the request's command in the command's own transaction, for a command that knows it before
    committing and goes on working after (a calendar change's recompute): a repeat after the process died in
    between gets it, not a 409. The answer given after the commit replaces it."""
    pending = attached_key()
    scope = current_scope()
    if pending is not None and scope is not None and not scope.commits:
        store_answer(session, pending.owner, pending.key, status, content_type, body)


def keep_answer(rt: Runtime, pending: PendingKey, status: int, content_type: str | None, body: bytes) -> None:
    """Store the answer of the request's committed command, even if the request's deadline has just passed."""
    end_scope()
    with rt.unit_of_work() as uow:
        store_answer(uow.session, pending.owner, pending.key, status, content_type, body)
        uow.commit()


def purge_expired(rt: Runtime, kept_since: datetime) -> int:
    """Delete the keys recorded before `kept_since`; return how many."""
    with rt.unit_of_work() as uow:
        purged = purge_keys(uow.session, kept_since)
        uow.commit()
    return purged
