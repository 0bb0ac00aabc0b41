"""Changes every service process must see at once: a calendar, a user's credentials, an external task made available.

A transaction announces a change (`announce(session, topic, key)`); when, and only if, it commits, every process
hears of it. This process hears at once (after the commit); on PostgreSQL the others hear through NOTIFY, sent in
the committing transaction itself (one `pg_notify` statement just before COMMIT, so a rolled-back change is never
announced and a committed one always is), and heard by one listening connection per process (LISTEN, no poll).
A listener that lost its connection reconnects and then tells every subscriber that anything may have changed,
since what was announced meanwhile is lost. SQLite has no NOTIFY: there each process hears only its own changes
(`crosses_processes` is False, and the caches that depend on it keep a periodic re-read).
"""

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

CHANNEL = "assistance_changed"
EVERYTHING = "*"  # the key subscribers get after a reconnection: every key of their topic may have changed
_PENDING, _SENT = "broadcast_pending", "broadcast_sent"
_NOTIFY = text("SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload")
_RECONNECT_SECONDS = (0.2, 0.5, 1, 2, 5, 10)


def announce(session: Session, topic: str, key: str = "") -> None:
    """Say that this transaction, once committed, changes `key` of `topic` for every process."""
    session.info.setdefault(_PENDING, set()).add((topic, key))


class Broadcast:
    """Topics processes subscribe to; `start()` listens for other processes' announcements (PostgreSQL)."""

    def __init__(self, engine: Engine, session_factory: sessionmaker[Session]) -> None:
        self._engine = engine
        self.crosses_processes = engine.dialect.name == "postgresql"
        self.origin = uuid.uuid4().hex[:12]  # this process's announcements, heard back, are not handled twice
        self._handlers: dict[str, list[Callable[[str], None]]] = {}
        self._listener: threading.Thread | None = None
        self._stopped = threading.Event()
        self.connected = threading.Event()
        event.listen(session_factory, "before_commit", self._before_commit)
        event.listen(session_factory, "after_commit", self._after_commit)

    def subscribe(self, topic: str, handler: Callable[[str], None]) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    def start(self) -> None:
        """Listen for other processes' announcements in a thread of this process (once; PostgreSQL only)."""
        if self.crosses_processes and (self._listener is None or not self._listener.is_alive()):
            self._stopped.clear()
            self._listener = threading.Thread(target=self._listen, name="broadcast-listener", daemon=True)
            self._listener.start()

    def stop(self, wait: bool = True) -> None:
        """Stop listening; with `wait`, return once the listener's connection is closed (within a second)."""
        self._stopped.set()
        if wait and self._listener is not None and self._listener is not threading.current_thread():
            self._listener.join(timeout=5)

    def _before_commit(self, session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        session.info[_SENT] = pending
        if self.crosses_processes:
            payloads = [f"{self.origin}|{topic}|{key}" for topic, key in sorted(pending)]
            session.execute(_NOTIFY, {"channel": CHANNEL, "payloads": payloads})

    def _after_commit(self, session: Session) -> None:
        for topic, key in session.info.pop(_SENT, ()):
            self._deliver(topic, key)

    def _deliver(self, topic: str, key: str) -> None:
        for handler in self._handlers.get(topic, ()):
            try:
                handler(key)
            except Exception:  # one subscriber's failure keeps no other from hearing
                log.exception("handling the change %s %s failed", topic, key)

    def _heard(self, payload: str) -> None:
        origin, _, rest = payload.partition("|")
        topic, _, key = rest.partition("|")
        if origin != self.origin:
            self._deliver(topic, key)

    def _listen(self) -> None:
        attempt = 0
        while not self._stopped.is_set():
            try:
                with self._connect() as connection:
                    if attempt:  # announcements made while this process was not listening are lost
                        for topic in list(self._handlers):
                            self._deliver(topic, EVERYTHING)
                    attempt = 0
                    self.connected.set()
                    while not self._stopped.is_set():
                        for note in connection.notifies(timeout=1.0):
                            self._heard(note.payload)
            except Exception as err:  # the database restarted, or the connection dropped: listen again
                self.connected.clear()
                if self._stopped.is_set() or "does not exist" in str(err):  # stopped, or the database is gone
                    return
                log.warning("listening for changes of other processes failed (%s); reconnecting", err)
                self._stopped.wait(_RECONNECT_SECONDS[min(attempt, len(_RECONNECT_SECONDS) - 1)])
                attempt += 1

    def _connect(self) -> Any:
        """A connection of its own (not the pool's), in autocommit, listening on the channel."""
        import psycopg

        url = self._engine.url.set(drivername="postgresql")
        connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                                     connect_timeout=5, application_name="assistance-listener")
        connection.execute(f"LISTEN {CHANNEL}")
        return connection
