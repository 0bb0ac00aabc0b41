"""Sign-in with a rate limit: failed attempts are rows in `login_failure`, so every process sees them.

An attempt is counted before its password is checked: its row is committed first, then the pair's rows are
counted, so of any number of concurrent attempts at most `max_failures` reach the password check (the k-th row
committed sees at least k rows). An attempt that finds more than `max_failures` rows gets 429 unchecked and
withdraws its row; a failed one leaves its row as the failure; a success clears the pair's rows. So after
`max_failures` failures within `window`, further attempts (right or wrong) get 429 until the oldest failure
leaves the window. Verified pairs cached by `users` skip the database entirely.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import TooManyAttempts
from app.store.tables import LoginFailure

from .runtime import Runtime
from .users import authenticate, cached_actor


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
    attempts = _recent_attempts(rt, username, remote_addr, policy)
    if len(attempts) > policy.max_failures:
        _withdraw_attempt(rt, attempt)
        retry = attempts[0] + policy.window - clock.now()
        raise TooManyAttempts("登录失败次数过多，请稍后再试", retry_after=max(1, int(retry.total_seconds()) + 1))
    actor = authenticate(rt, username, password)  # Unauthenticated: the attempt's row stays, as the failure
    _clear_failures(rt, username, remote_addr)
    return actor


def _recent_attempts(rt: Runtime, username: str, remote_addr: str, policy: LoginPolicy) -> list:
    since = clock.now() - policy.window
    with rt.reading() as uow:
        return list(uow.session.scalars(
            select(LoginFailure.at).where(LoginFailure.username == username, LoginFailure.remote_addr == remote_addr,
                                          LoginFailure.at > since).order_by(LoginFailure.at)))


def _record_attempt(rt: Runtime, username: str, remote_addr: str) -> int:
    with rt.unit_of_work() as uow:
        row = LoginFailure(username=username, remote_addr=remote_addr, at=clock.now())
        uow.session.add(row)
        uow.session.flush()
        attempt = row.id
        uow.commit()
    return attempt


def _withdraw_attempt(rt: Runtime, attempt: int) -> None:
    with rt.unit_of_work() as uow:
        uow.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt))
        uow.commit()


def _clear_failures(rt: Runtime, username: str, remote_addr: str) -> None:
    with rt.unit_of_work() as uow:
        uow.session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                       LoginFailure.remote_addr == remote_addr))
        uow.commit()
