"""What the request being served asks of every unit of work it opens.

A command commits only before the request's deadline: past it the client (or the front, which
answers in its place) no longer waits, so a commit then would change what nobody is told
about. The scope is per thread (a context variable), set when a request begins and cleared when
it ends; work outside requests (the scheduler, CLI commands) has none.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass

from app.domain.errors import Unavailable


@dataclass
class RequestScope:
    deadline: float  # time.monotonic()
    commits: int = 0

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
