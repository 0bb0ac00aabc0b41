"""What the request being served asks of every unit of work it opens.

A command commits only before the request's deadline: past it the client (or the front, which
answers 504 in its place) no longer waits, so a commit then would change what nobody is told
about. A command sent with an Idempotency-Key records the key first thing in its own transaction,
so a second request with the same key waits for the first to end, then finds its answer; an answer
known before the command runs (a 204) is recorded with the key, so the two cannot part. The scope
is per thread (a context variable), set when a request begins and cleared when it ends; work
outside requests (the scheduler, CLI commands) has none.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain.errors import Unavailable

from .idempotency import Answer, PendingKey, record_key


@dataclass
class RequestScope:
    deadline: float  # time.monotonic()
    key: PendingKey | None = None
    answer: Answer | None = None  # the answer the command will be given if it commits, when known before it runs
    commits: int = 0
    county: str | None = None  # the county of the user served (app/store/tenancy.py), once authenticated

    def on_begin(self, session: Session) -> None:
        """Add the idempotency key to the transaction of a command, until one has committed."""
        if self.key is not None and self.commits == 0:
            record_key(session, self.key, self.answer)

    def before_commit(self) -> None:
        """Refuse a commit past the deadline."""
        if time.monotonic() > self.deadline:
            raise Unavailable("请求已超过时限（REQUEST_DEADLINE_SECONDS），客户端已不再等待：本次操作未保存")

    def may_retry(self) -> bool:
        """Whether the request may run once more: nothing committed yet, time left."""
        return self.commits == 0 and time.monotonic() < self.deadline


_current: ContextVar[RequestScope | None] = ContextVar("request_scope", default=None)


def begin_scope(deadline: float) -> RequestScope:
    scope = RequestScope(deadline)
    _current.set(scope)
    return scope


def end_scope() -> None:
    _current.set(None)


def current_scope() -> RequestScope | None:
    return _current.get()
