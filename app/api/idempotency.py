"""`Idempotency-Key` on any command: a command that committed is answered again, never run twice.

A client that lost an answer (a timeout, a dropped connection) sends the same request with the
same header: if the first committed, it gets the first answer again (with `Idempotent-Replayed:
true`) instead of a 409 or 404 from running it a second time; if it did not, the command runs. The
key is recorded in the command's own transaction (app/store/scope.py), so the two cannot part;
the answer is stored just after the commit. Keys are per user and kept IDEMPOTENCY_KEY_HOURS.
The same key on a different request (method, path or body) is a 422; while the first request
with a key is still running, a second waits for it on PostgreSQL and is answered from it.
"""

import hashlib
import logging
from datetime import timedelta

from flask import Flask, Response, current_app, g, request

from app.domain import clock
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.services import idempotency as keys
from app.services.idempotency import KeyInUse, KnownKey, PendingKey

from .errors import error_response
from .support import runtime

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
MAX_LENGTH = 200
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class KeyReused(DomainError):
    status = 422
    kind = "InvalidRequestException"


def take_key() -> Response | None:
    """Before a command runs: answer it from its key, or have its transaction record the key."""
    key = request.headers.get(HEADER)
    if key is None or request.method in _SAFE_METHODS:
        return None
    key = key.strip()
    if not key or len(key) > MAX_LENGTH or not key.isprintable():
        raise ValidationFailed(f"{HEADER} 须为 1–{MAX_LENGTH} 个可打印字符", field=HEADER)
    moment = clock.now()
    pending = PendingKey(g.actor.username, key, _fingerprint(), moment, moment - _kept(current_app))
    known = keys.find_answer(runtime(), pending)
    if known is not None:
        return _answer(known, pending)
    keys.attach(pending)
    return None


def keep_answer(response: Response) -> Response:
    """After a command committed with a key: store its answer for the requests that repeat it."""
    pending = keys.committed_key()
    if pending is None or response.status_code >= 500:
        return response
    try:
        keys.keep_answer(runtime(), pending, response.status_code, response.content_type, response.get_data())
    except DomainError as err:  # the command stands; a repeat of it will hear that its answer was lost
        log.warning("the answer to %s %s was not stored: %s", HEADER, pending.key, err.message)
    return response


def answer_from_first(err: KeyInUse) -> Response:
    """A request with the same key committed while this one ran: answer as it was answered."""
    pending = keys.attached_key()
    try:
        known = keys.find_answer(runtime(), pending)
        if known is None:  # the first rolled back after all: the client may send it again
            raise Conflict(f"{HEADER} {pending.key} 的请求未完成，请重试", field=HEADER)
        return _answer(known, pending)
    except DomainError as refusal:
        return error_response(refusal)


def purge_expired(app: Flask) -> int:
    """Delete the keys older than IDEMPOTENCY_KEY_HOURS (the scheduler calls this now and then)."""
    return keys.purge_expired(app.extensions["runtime"], clock.now() - _kept(app))


def _kept(app: Flask) -> timedelta:
    return timedelta(hours=app.config["IDEMPOTENCY_KEY_HOURS"])


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.full_path.rstrip('?')}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _answer(known: KnownKey, pending: PendingKey) -> Response:
    if known.fingerprint != pending.fingerprint:
        raise KeyReused(f"{HEADER} {pending.key} 已用于另一个请求（方法、路径或请求体不同）", field=HEADER)
    if known.status is None:
        raise Conflict(f"{HEADER} {pending.key} 的请求已提交，但其应答未能保存", field=HEADER)
    response = Response(known.body, status=known.status, content_type=known.content_type)
    response.headers["Idempotent-Replayed"] = "true"
    return response
