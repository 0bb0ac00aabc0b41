"""Wake long-polling fetchAndLock requests when an external task may have become available.

One small interface (`Wakeup`: `mark`, `version`, `wait`): a commit that opened, unlocked, re-tried or
failed (with a retry timeout) an external task announces it (`mark(session)`) on the runtime's broadcast,
which wakes this process's waiters at once and, on PostgreSQL, every other process's through NOTIFY
(app/store/broadcast.py), on any node. Without a cross-process broadcast (SQLite), or while this process is not
listening to it (its connection lost: the loss wakes every waiter, which then waits again), tasks made available
by other processes are noticed by one poller thread per process, which runs only while requests wait and reads
one count a second.
"""

import threading
import weakref

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain import clock
from app.store.broadcast import announce
from app.store.tables import ExternalTask

from .runtime import Runtime

POLL_SECONDS = 1.0
EXTERNAL_TASK = "external_task"  # the broadcast topic: an external task may have become available


class Wakeup:
    def __init__(self, rt: Runtime):
        self._rt = rt
        self._changed = threading.Condition()
        self._version = 0
        self._waiting = 0
        self._poller: threading.Thread | None = None
        rt.broadcast.subscribe(EXTERNAL_TASK, lambda _key: self.notify())

    @staticmethod
    def mark(session: Session) -> None:
        """Say that this transaction, once committed, may have made an external task available."""
        announce(session, EXTERNAL_TASK)

    def version(self) -> int:
        with self._changed:
            return self._version

    def notify(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Return once something changed after version `seen`, or after `timeout` seconds."""
        with self._changed:
            self._waiting += 1
            if not self._rt.broadcast.listening:
                self._ensure_poller()
            try:
                self._changed.wait_for(lambda: self._version != seen, timeout)
            finally:
                self._waiting -= 1

    def _ensure_poller(self) -> None:
        if self._poller is None or not self._poller.is_alive():
            self._poller = threading.Thread(target=self._poll, name="external-task-wakeup", daemon=True)
            self._poller.start()

    def _poll(self) -> None:
        """While requests wait, notice tasks made available by other processes (or whose lock ran out)."""
        last = None
        while True:
            with self._changed:
                if self._waiting == 0:
                    self._poller = None
                    return
            now = available_fingerprint(self._rt)
            if last is not None and now != last and now[0] > 0:
                self.notify()
            last = now
            threading.Event().wait(POLL_SECONDS)


def available_fingerprint(rt: Runtime) -> tuple[int, object]:
    """How many external tasks could be locked now, and the newest one's creation."""
    moment = clock.now()
    with rt.reading() as uow:
        return tuple(uow.session.execute(select(func.count(), func.max(ExternalTask.created)).where(
            or_(ExternalTask.lock_expiration.is_(None), ExternalTask.lock_expiration < moment),
            or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0),
            ExternalTask.suspended.is_(False))).one())


_WAKEUPS: "weakref.WeakKeyDictionary[Runtime, Wakeup]" = weakref.WeakKeyDictionary()
_CREATE = threading.Lock()


def wakeup_of(rt: Runtime) -> Wakeup:
    with _CREATE:
        if rt not in _WAKEUPS:
            _WAKEUPS[rt] = Wakeup(rt)
        return _WAKEUPS[rt]
