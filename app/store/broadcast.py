"""Changes every service process must see at once: a calendar, a user's credentials, an external task made available.

A transaction announces a change (`announce(session, topic, key)`); when, and only if, it commits, every process
hears of it. This process hears at once (after the commit); on PostgreSQL the others hear through NOTIFY, sent in
the committing transaction itself (one `pg_notify` statement just before COMMIT, so a rolled-back change is never
announced and a committed one always is), and heard by one listening connection per process (LISTEN, no poll).
A listener that lost its connection tells every subscriber at once that anything may have changed, reconnects
(within a second of the database answering again) and tells them once more, since what was announced meanwhile is
lost. A connection can die without a word (a firewall or NAT forgetting an idle connection, a failover): so the
listener sends a round trip on it after each second without a notification, and takes a connection that does not
answer it within PING_TIMEOUT_SECONDS for lost. While it is not listening (`listening` False) the process cannot
hear other processes' changes: `/ready` answers 503 (the front then sends it no requests), and the caches that
depend on the broadcast re-read as on SQLite. SQLite has no NOTIFY: there each process hears only its own changes
(`crosses_processes` is False, and the caches that depend on it keep a periodic re-read).
"""

import logging
import select
import threading
import time
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
_RECONNECT_SECONDS = (0.2, 0.5, 1)  # a reconnection is one cheap attempt: the caches depend on it
PING_SECONDS = 1.0  # a round trip on the listening connection after this long without a notification
PING_TIMEOUT_SECONDS = 3.0  # a connection that does not answer a round trip within this is lost


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

    @property
    def listening(self) -> bool:
        """This process hears every other process's announcements (always, where there are none: SQLite)."""
        return not self.crosses_processes or self.connected.is_set()

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
        try:
            self._listen_until_stopped()
        finally:
            self.connected.clear()

    def _listen_until_stopped(self) -> None:
        attempt = 0
        while not self._stopped.is_set():
            try:
                with self._connect() as connection:
                    if attempt:  # announcements made while this process was not listening are lost
                        self._everything()
                    attempt = 0
                    self.connected.set()
                    while not self._stopped.is_set():
                        heard = False
                        for note in connection.notifies(timeout=PING_SECONDS):
                            self._heard(note.payload)
                            heard = True
                        if not heard and not self._stopped.is_set():
                            self._ping(connection)
            except Exception as err:  # the database restarted, or the connection dropped: listen again
                if self.connected.is_set():  # what was cached may change unheard from now on
                    self.connected.clear()
                    # the pool's connections went the same way, most likely (a restart, a failover): the reads
                    # that refill the caches, outside any command's retry, must not meet them. Each connection made
                    # before now is closed and replaced at its next checkout (what SQLAlchemy does to a pool when a
                    # connection of it is found broken; disposing of the pool would leave those checked out unclosed)
                    self._engine.pool._invalidate(None, _checkin=False)  # type: ignore[arg-type]
                    self._everything()
                if self._stopped.is_set() or "does not exist" in str(err):  # stopped, or the database is gone
                    return
                log.warning("listening for changes of other processes failed (%s); reconnecting", err)
                self._stopped.wait(_RECONNECT_SECONDS[min(attempt, len(_RECONNECT_SECONDS) - 1)])
                attempt += 1

    def _everything(self) -> None:
        for topic in list(self._handlers):
            self._deliver(topic, EVERYTHING)

    def _ping(self, connection: Any) -> None:
        """One round trip on the listening connection, answered within PING_TIMEOUT_SECONDS or the connection is
        lost (psycopg waits for an answer as long as the socket lives); notifications it reads are heard."""
        from psycopg import OperationalError, pq

        pgconn = connection.pgconn
        pgconn.send_query(b"SELECT 1")
        deadline = time.monotonic() + PING_TIMEOUT_SECONDS
        while pgconn.flush() or pgconn.is_busy():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not any(select.select([pgconn.socket], [], [], remaining)):
                raise OperationalError(f"the listening connection did not answer within {PING_TIMEOUT_SECONDS} s")
            pgconn.consume_input()
        while (result := pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.TUPLES_OK:
                raise OperationalError(f"the listening connection's round trip failed: {result.error_message!r}")
        while (note := pgconn.notifies()) is not None:
            self._heard(note.extra.decode())

    def _connect(self) -> Any:
        """A connection of its own (not the pool's), in autocommit, listening on the channel."""
        import psycopg

        url = self._engine.url.set(drivername="postgresql")
        connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                                     connect_timeout=5, application_name="assistance-listener")
        connection.execute(f"LISTEN {CHANNEL}")
        return connection
