"""Sign-in with a rate limit: attempts are rows in `login_failure`, so every process sees them.

An attempt is recorded before its password is checked, and its row says whether its check failed (`failed_at`)
or is still running. An attempt goes on to the check only while fewer than `max_failures` rows of its pair (user
and address) lie before it in the window: so of any number of concurrent attempts, across processes, at most
`max_failures` are checked at once (on PostgreSQL the pair's rows are numbered in the order they commit, under a
transaction-level advisory lock of the pair). When `max_failures` of the rows before it are failures, the pair is
locked out: further attempts (right or wrong) get 429 until the oldest failure leaves the window, and every process
forgets the user's verified pairs (announced as a change of the user's credentials), so none lets them in from its
cache. When the rows before it are attempts still being checked — the same right password sent from several
threads, or checked once by each of several processes — it waits a moment for them: a success clears the pair's
rows, and a right password is never counted as a failed one. A failed attempt leaves its row as the failure.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, text, update

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import TooManyAttempts, Unauthenticated
from app.store.broadcast import announce
from app.store.tables import LoginFailure

from .runtime import Runtime
from .users import CREDENTIALS, authenticate, cached_actor

# the pauses (s) of an attempt waiting for the attempts before it to be checked: a check is one KDF (tens of ms)
SETTLING = (0.05, 0.1, 0.2, 0.4, 0.8)
_PAIR_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:pair, 0))")


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings) -> "LoginPolicy":
        """Read LOGIN_MAX_FAILURES and LOGIN_WINDOW_SECONDS from the app's settings mapping."""
        return cls(int(settings.get("LOGIN_MAX_FAILURES", 5)),
                   timedelta(seconds=int(settings.get("LOGIN_WINDOW_SECONDS", 900))))


def sign_in(rt: Runtime, username: str, password: str, remote_addr: str,
            policy: LoginPolicy = LoginPolicy()) -> Actor:
    """Return the actor for valid credentials, unless this user and address are locked out."""
    actor = cached_actor(username, password)
    if actor is not None:
        return actor
    username, remote_addr = username[:64], (remote_addr or "unknown")[:64]
    attempt = _record_attempt(rt, username, remote_addr)
    _wait_for_the_check(rt, username, remote_addr, attempt, policy)
    try:
        actor = authenticate(rt, username, password)
    except Unauthenticated:
        _record_failure(rt, username, remote_addr, attempt, policy)
        raise
    _clear_attempts(rt, username, remote_addr)
    return actor


def _wait_for_the_check(rt: Runtime, username: str, remote_addr: str, attempt: int, policy: LoginPolicy) -> None:
    """Return once this attempt may be checked; raise TooManyAttempts when its pair is locked out, or when the
    attempts before it are still being checked after the last pause."""
    for pause in (*SETTLING, None):
        before = _attempts_before(rt, username, remote_addr, attempt, policy)
        if len(before) < policy.max_failures:
            return
        failures = sorted(at for at, failed_at in before if failed_at is not None)
        if len(failures) >= policy.max_failures or pause is None:
            _withdraw_attempt(rt, attempt)
            retry = failures[0] + policy.window - clock.now() if len(failures) >= policy.max_failures \
                else timedelta(seconds=1)
            raise TooManyAttempts("登录失败次数过多，请稍后再试", retry_after=max(1, int(retry.total_seconds()) + 1))
        time.sleep(pause)


def _attempts_before(rt: Runtime, username: str, remote_addr: str, attempt: int, policy: LoginPolicy) -> list:
    """(at, failed_at) of the pair's attempts in the window recorded before `attempt`."""
    with rt.reading() as uow:
        return list(uow.session.execute(
            select(LoginFailure.at, LoginFailure.failed_at).where(
                LoginFailure.username == username, LoginFailure.remote_addr == remote_addr,
                LoginFailure.at > clock.now() - policy.window, LoginFailure.id < attempt)))


def _record_attempt(rt: Runtime, username: str, remote_addr: str) -> int:
    with rt.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":  # the pair's rows numbered as they commit
            uow.session.execute(_PAIR_LOCK, {"pair": f"login_failure\t{username}\t{remote_addr}"})
        row = LoginFailure(username=username, remote_addr=remote_addr, at=clock.now())
        uow.session.add(row)
        uow.session.flush()
        attempt = row.id
        uow.commit()
    return attempt


def _record_failure(rt: Runtime, username: str, remote_addr: str, attempt: int, policy: LoginPolicy) -> None:
    """The attempt's row becomes a failure (a new row, if a success of the pair cleared it meanwhile); the failure
    that locks the pair out makes every process forget the user's verified pairs."""
    moment = clock.now()
    with rt.unit_of_work() as uow:
        session = uow.session
        if session.execute(update(LoginFailure).where(LoginFailure.id == attempt)
                           .values(failed_at=moment)).rowcount == 0:
            session.add(LoginFailure(username=username, remote_addr=remote_addr, at=moment, failed_at=moment))
            session.flush()
        failures = session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.remote_addr == remote_addr,
            LoginFailure.at > moment - policy.window, LoginFailure.failed_at.is_not(None)))
        if failures >= policy.max_failures:
            announce(session, CREDENTIALS, username)
        uow.commit()


def _withdraw_attempt(rt: Runtime, attempt: int) -> None:
    with rt.unit_of_work() as uow:
        uow.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt))
        uow.commit()


def _clear_attempts(rt: Runtime, username: str, remote_addr: str) -> None:
    with rt.unit_of_work() as uow:
        uow.session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                       LoginFailure.remote_addr == remote_addr))
        uow.commit()
