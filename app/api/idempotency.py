"""`Idempotency-Key` on any command: a command that committed is answered again, never run twice.

A client that lost an answer (a timeout, a dropped connection) sends the same request with the
same header: if the first committed, it gets the first answer again (with `Idempotent-Replayed:
true`) instead of a 409 or 404 from running it a second time; if it did not, the command runs. The
key is recorded in the command's own transaction (app/store/scope.py), so the two cannot part. An
answer known before the command runs (the 204 of a completion, claim, suspension…: `no_content`)
is recorded with the key; a start's key names the case it created, and a retry is answered with
that case (`answers_with_started_case`); any other answer is stored just after the commit, and a
node that died in between leaves a key whose retry hears 409: the command took effect, its answer
is lost. Keys are per user and kept IDEMPOTENCY_KEY_HOURS. The same key on a different request
(method, path or body) is a 422; while the first request with a key is still running, a second
waits for it on PostgreSQL and is answered from it.
"""

import functools
import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, current_app, g, request

from app.domain import clock
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.services import idempotency as keys
from app.services.idempotency import Answer, KeyInUse, KnownKey, PendingKey

from .errors import error_response
from .support import runtime

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
MAX_LENGTH = 200
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NO_CONTENT = Answer(204, None, b"")
_REBUILDS = "answers_with_started_case"  # a view's mark: it answers a retry from the case its start created


def no_content(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a command of ONE transaction that answers 204 when it commits: the 204 is recorded with its key."""
    @functools.wraps(view)
    def answering(*args: Any, **kwargs: Any) -> Any:
        answers_no_content()
        return view(*args, **kwargs)
    return answering


def answers_no_content() -> None:
    """The request's command (of one transaction) answers 204 if it commits: record that with its key."""
    keys.expect_answer(NO_CONTENT)


def answers_with_started_case(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a start view that answers a retry of a start whose answer was lost from `started_case()`."""
    setattr(view, _REBUILDS, True)
    return view


def started_case() -> str | None:
    """The case a committed start with this request's key created, whose answer was not stored: the view answers
    with it instead of starting another."""
    return g.get("started_case")


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
    if known is not None and known.status is None and known.case_id is not None and _rebuilds():
        _same_request(known, pending)
        g.started_case, g.replayed_key = known.case_id, pending  # the view answers from the case
        return None
    if known is not None:
        return _answer(known, pending)
    keys.attach(pending)
    return None


def _rebuilds() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _REBUILDS, False))


def keep_answer(response: Response) -> Response:
    """After a command committed with a key: store its answer for the requests that repeat it."""
    replayed: PendingKey | None = g.get("replayed_key")
    if replayed is not None and response.status_code < 400:  # answered again from the case its start created
        response.headers["Idempotent-Replayed"] = "true"
        pending = replayed
    else:
        pending = keys.committed_key()
    if pending is None or response.status_code >= 500 or _recorded(response):
        return response
    try:
        keys.keep_answer(runtime(), pending, response.status_code, response.content_type, response.get_data())
    except DomainError as err:  # the command stands; a repeat of it will hear that its answer was lost
        log.warning("the answer to %s %s was not stored: %s", HEADER, pending.key, err.message)
    return response


def _recorded(response: Response) -> bool:
    """Whether the answer recorded with the key in the command's transaction is this one."""
    recorded = keys.answer_recorded()
    return recorded is not None and (recorded.status, recorded.body) == (response.status_code, response.get_data())


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


def _same_request(known: KnownKey, pending: PendingKey) -> None:
    if known.fingerprint != pending.fingerprint:
        raise KeyReused(f"{HEADER} {pending.key} 已用于另一个请求（方法、路径或请求体不同）", field=HEADER)


def _answer(known: KnownKey, pending: PendingKey) -> Response:
    _same_request(known, pending)
    if known.status is None:
        raise Conflict(f"{HEADER} {pending.key} 的请求已执行并保存（不会再执行一次），但其应答未能保存：请查询其结果，"
                       "勿换用新的 Idempotency-Key 重发", field=HEADER)
    response = Response(known.body, status=known.status, content_type=known.content_type)
    response.headers["Idempotent-Replayed"] = "true"
    return response
