"""Authentication: a modern KDF, a login rate limit, revocable integration tokens, expiring sessions,
and no default password or secret outside demo mode."""

import base64
import time
import uuid
from datetime import timedelta

import pytest
from flask import request, session
from sqlalchemy import func, select

from app.config import Config
from app.store.tables import ApiToken, User
from tests.support.web_client import Web


def _basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def _address() -> dict:
    return {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}


def test_passwords_are_stored_with_scrypt(runtime):
    with runtime.unit_of_work() as uow:
        hashes = list(uow.session.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("scrypt:") for h in hashes)
    assert not any("demo123" in h for h in hashes)


def test_failed_logins_are_rate_limited_per_user_and_address(app, client, login_as, clock):
    login_as("finance")  # a fresh credentials cache
    address = _address()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        wrong = client.get("/engine-rest/task", headers=_basic("finance", "guess"), environ_base=address)
        assert wrong.status_code == 401
    locked = client.get("/engine-rest/task", headers=_basic("finance", "demo123"), environ_base=address)
    assert locked.status_code == 429 and locked.json["type"] == "TooManyRequestsException"
    assert 0 < int(locked.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_SECONDS"] + 1
    elsewhere = client.get("/engine-rest/task", headers=_basic("finance", "demo123"), environ_base=_address())
    assert elsewhere.status_code == 200  # another address is not locked out
    clock.advance(seconds=app.config["LOGIN_WINDOW_SECONDS"] + 1)
    again = client.get("/engine-rest/task", headers=_basic("finance", "demo123"), environ_base=address)
    assert again.status_code == 200


def test_a_locked_out_user_is_refused_even_where_their_password_was_verified(app, client, login_as):
    login_as("auditor")  # a fresh credentials cache
    address = _address()
    assert client.get("/engine-rest/task", headers=_basic("auditor", "demo123"), environ_base=address).status_code \
        == 200  # the pair is now verified and kept by this process (as by a node that served it)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        wrong = client.get("/engine-rest/task", headers=_basic("auditor", "guess"), environ_base=address)
        assert wrong.status_code == 401
    locked = client.get("/engine-rest/task", headers=_basic("auditor", "demo123"), environ_base=address)
    assert locked.status_code == 429, "the verified pair let a locked-out user in"


def test_attempts_still_being_checked_are_waited_for_not_counted_as_failures(app, runtime, login_as):
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import delete

    from app.domain import clock
    from app.services.logins import LoginPolicy, sign_in
    from app.store.tables import LoginFailure

    login_as("finance")  # a fresh credentials cache
    policy, address = LoginPolicy(), _address()["REMOTE_ADDR"]
    with runtime.unit_of_work() as uow:  # as many attempts of the pair as the limit, each still being checked
        uow.session.add_all(LoginFailure(username="finance", remote_addr=address, at=clock.now())
                            for _ in range(policy.max_failures))
        uow.commit()
    with ThreadPoolExecutor(1) as pool:
        signing_in = pool.submit(sign_in, runtime, "finance", "demo123", address, policy)
        time.sleep(0.1)
        with runtime.unit_of_work() as uow:  # one of them succeeded: the pair's rows are cleared
            uow.session.execute(delete(LoginFailure).where(LoginFailure.username == "finance",
                                                           LoginFailure.remote_addr == address))
            uow.commit()
        assert signing_in.result(timeout=30).username == "finance"


def test_integration_token_is_shown_once_works_as_bearer_and_can_be_revoked(client, login_as, runtime, clock):
    designer = login_as("designer")
    created = client.post("/api/tokens", json={"name": "Camunda Modeler"}, headers=designer.headers)
    assert created.status_code == 201
    token, token_id = created.json["token"], created.json["id"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/engine-rest/process-definition/key/dibao", headers=bearer).status_code == 200
    listed = client.get("/api/tokens", headers=designer.headers).json
    assert [t["name"] for t in listed if t["id"] == token_id] == ["Camunda Modeler"]
    assert token not in str(listed)
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.token_hash == token)) == 0
    assert client.delete(f"/api/tokens/{token_id}", headers=login_as("verifier").headers).status_code == 404
    assert client.delete(f"/api/tokens/{token_id}", headers=designer.headers).status_code == 204
    refused = client.get("/engine-rest/process-definition/key/dibao", headers=bearer)
    assert refused.status_code == 401 and refused.is_json
    assert client.get("/engine-rest/task", headers={"Authorization": "Bearer sjt_made-up"}).status_code == 401


def test_case_workers_cannot_mint_tokens(client, login_as):
    for user in ("window_cg", "auditor"):
        response = client.post("/api/tokens", json={"name": "x"}, headers=login_as(user).headers)
        assert response.status_code == 403


def test_demo_users_load_only_in_demo_mode(app, runner, runtime):
    with runtime.unit_of_work() as uow:
        before = uow.session.scalar(select(func.count()).select_from(User))
    assert app.config["DEMO"] is False
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "DEMO=1" in result.output
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(User)) == before


def test_no_default_secret_outside_demo_mode(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DEMO", "0")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config()
    monkeypatch.setenv("DEMO", "1")
    assert Config().SECRET_KEY


def test_session_cookie_flags_in_production_mode(app, monkeypatch):
    monkeypatch.setenv("DEMO", "0")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = Config(SECRET_KEY="x")
    assert (production.SESSION_COOKIE_SECURE, production.SESSION_COOKIE_HTTPONLY,
            production.SESSION_COOKIE_SAMESITE) == (True, True, "Lax")
    with app.test_request_context("/"):
        session["username"] = "window_cg"
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sessions_expire(app, monkeypatch):
    with app.test_request_context("/"):
        value = app.session_interface.get_signing_serializer(app).dumps({"username": "window_cg"})
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=1))
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}):
        assert app.session_interface.open_session(app, request).get("username") == "window_cg"
    time.sleep(2.1)
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}):
        assert "username" not in app.session_interface.open_session(app, request)


def test_security_headers_on_api_and_errors(client):
    for response in (client.get("/engine-rest/version"), client.get("/engine-rest/task"), client.get("/nope")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_web_login_is_rate_limited_too(app, login_as, clock):
    login_as("investigator_cg")  # a fresh credentials cache
    web = Web(app)
    web.client.environ_base.update(_address())
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert web.post("/login", {"username": "investigator_cg", "password": "guess"}).status_code == 401
    locked = web.post("/login", {"username": "investigator_cg", "password": "demo123"})
    assert locked.status_code == 429


def test_a_verified_password_is_rechecked_each_minute_without_the_kdf(runtime, monkeypatch):
    from werkzeug.security import generate_password_hash

    from app.domain.errors import Unauthenticated
    from app.services import users

    users.forget_credentials()
    kdf_runs = []
    real_check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda *a: kdf_runs.append(a[0]) or real_check(*a))
    now = [1000.0]
    monkeypatch.setattr(users.time, "monotonic", lambda: now[0])

    assert users.authenticate(runtime, "finance", "demo123").username == "finance"
    now[0] += 61  # past the minute: the stored hash is read again, unchanged, so no KDF
    assert users.authenticate(runtime, "finance", "demo123").username == "finance"
    assert len(kdf_runs) == 1

    with runtime.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == "finance"))
        user.password_hash = generate_password_hash("changed-password")
        uow.commit()
    if runtime.broadcast.crosses_processes:  # PostgreSQL announces the change: refused within a second
        _refused_within_a_second(lambda: users.authenticate(runtime, "finance", "demo123"))
    else:
        assert users.authenticate(runtime, "finance", "demo123").username == "finance"  # still inside the minute
        now[0] += 61
        with pytest.raises(Unauthenticated):  # the password changed: the old one is refused within a minute
            users.authenticate(runtime, "finance", "demo123")
    assert users.authenticate(runtime, "finance", "changed-password").username == "finance"
    assert len(kdf_runs) == 3
    with runtime.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == "finance"))
        user.password_hash, user.active = generate_password_hash("demo123"), True
        uow.commit()
    users.forget_credentials()


def _refused_within_a_second(attempt) -> None:
    import time

    from app.domain.errors import Unauthenticated

    deadline = time.perf_counter() + 1.0
    while time.perf_counter() < deadline:
        try:
            attempt()
        except Unauthenticated:
            return
        time.sleep(0.01)
    raise AssertionError("the old password was still accepted a second after the change")


def test_a_deactivated_user_is_refused_though_their_password_was_verified(runtime, client, monkeypatch):
    """HTTP Basic runs the KDF once per credentials (app/services/users.py); a user deactivated since is refused at
    once where PostgreSQL announces the change to every process, else within the minute a verified pair is kept."""
    from app.services import users

    users.forget_credentials()
    now = [1000.0]
    monkeypatch.setattr(users.time, "monotonic", lambda: now[0])
    headers, env = _basic("finance2", "demo123"), _address()
    assert client.get("/engine-rest/task", headers=headers, environ_base=env).status_code == 200
    with runtime.unit_of_work() as uow:
        uow.session.scalar(select(User).where(User.username == "finance2")).active = False
        uow.commit()
    try:
        if runtime.broadcast.crosses_processes:
            deadline = time.perf_counter() + 1.0
            while client.get("/engine-rest/task", headers=headers, environ_base=env).status_code == 200:
                assert time.perf_counter() < deadline, "a deactivated user was still served a second later"
                time.sleep(0.01)
        else:
            now[0] += 61
        assert client.get("/engine-rest/task", headers=headers, environ_base=env).status_code == 401
    finally:
        with runtime.unit_of_work() as uow:
            uow.session.scalar(select(User).where(User.username == "finance2")).active = True
            uow.commit()
        users.forget_credentials()


def test_a_wrong_password_never_enters_the_verified_credentials(client):
    """The kept pairs are keyed by a hash of user and password and hold only pairs the KDF accepted: a wrong password
    next to a verified one is refused and counted as a failure, never answered from the kept pair."""
    from app.services import users

    users.forget_credentials()
    env = _address()
    assert client.get("/engine-rest/task", headers=_basic("auditor", "demo123"), environ_base=env).status_code == 200
    for wrong in ("demo1234", "demo12", "DEMO123", "demo123 "):
        assert client.get("/engine-rest/task", headers=_basic("auditor", wrong), environ_base=env).status_code == 401
        assert users.cached_actor("auditor", wrong) is None
    assert users.cached_actor("auditor", "demo123") is not None
    assert client.get("/engine-rest/task", headers=_basic("auditor", "demo123"), environ_base=env).status_code == 200
    users.forget_credentials()
