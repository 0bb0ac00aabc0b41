"""Slow clients meet the front, not the service: with 400 connections that send a header line every few seconds,
or nothing at all, held open at the HAProxy front (front/haproxy.cfg.in, started as `make serve` starts it)
before one gunicorn with as few threads as production gives it, `/health` and the inbox answer within 1 s
throughout; and an idle keep-alive connection outlives a Camunda worker's poll interval.

Ledger: every answer a probing client got is a 200; every answer a slow connection got from the front (when its
header time ran out) is a 4xx, never a 5xx."""

import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests

from tests.support.cluster import BIN, ROOT, Cluster

pytestmark = [
    pytest.mark.fault("slow clients"),
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="the front is Debian's HAProxy (make haproxy)"),
]

SLOW = 400  # connections held open at once, half trickling a header line, half silent
TRICKLE_SECONDS = 2.0  # a header line this often: under the front's header limit per line, not in total
HOLD_SECONDS = 4.0  # how long the probes run while the slow connections are held
HEADER_SECONDS = 5  # the front's header limit in this test: it ends the slow connections after the probes
WORKER_POLL_SECONDS = 2.0  # the poll interval the worker met closed connections at (gunicorn's keep-alive)
CAMUNDA_MAX_BACKOFF_SECONDS = 60  # Camunda 7's external-task client backs off to at most a minute between polls


@pytest.fixture(scope="module")
def front(app, tmp_path_factory):
    # the front's header limit (10 s in production) shortened, so that within the test it ends every slow
    # connection after the probes ran with all of them held, and what it told them can be checked
    saved = os.environ.get("FRONT_HEADER_TIMEOUT")
    os.environ["FRONT_HEADER_TIMEOUT"] = f"{HEADER_SECONDS}s"
    try:
        cluster = Cluster(app.config["DATABASE_URL"], tmp_path_factory.mktemp("front"), count=1)
    finally:
        if saved is None:
            del os.environ["FRONT_HEADER_TIMEOUT"]
        else:
            os.environ["FRONT_HEADER_TIMEOUT"] = saved
    with cluster as running:
        yield running


def _slow_connections(port: int, stop: threading.Event) -> list[socket.socket]:
    opened = []
    for n in range(SLOW):
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.settimeout(0.01)
        if n % 2 == 0:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        opened.append(s)

    def trickle():
        line = 0
        while not stop.wait(TRICKLE_SECONDS):
            line += 1
            for s in opened[::2]:
                try:
                    s.sendall(f"X-Slow-{line}: a\r\n".encode())
                except OSError:
                    pass

    threading.Thread(target=trickle, daemon=True).start()
    return opened


def _answers(opened: list[socket.socket], seconds: float) -> list[bytes]:
    """What the front told each slow connection once its header time ran out (b"" for a plain close)."""
    deadline, answers = time.monotonic() + seconds, []
    for s in opened:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            answers.append(s.recv(64))
        except OSError:  # no answer in time, or reset
            answers.append(None)
    return answers


def test_four_hundred_slow_clients_leave_health_and_the_inbox_answering_within_a_second(front):
    inbox = requests.Session()
    inbox.auth = ("window_cg", "demo123")
    health = requests.Session()
    for _ in range(2):  # warm: the first password check and the first query of each thread
        assert inbox.get(front.front_url + "/engine-rest/task", params={"maxResults": 5}, timeout=10).ok
        assert health.get(front.front_url + "/health", timeout=5).ok
    stop = threading.Event()
    opened = _slow_connections(front.front_port, stop)
    worst, probes, statuses = 0.0, 0, []
    try:
        began = time.monotonic()
        while time.monotonic() - began < HOLD_SECONDS:
            for session, path, params in ((health, "/health", None),
                                          (inbox, "/engine-rest/task", {"maxResults": 5})):
                sent = time.monotonic()
                try:
                    status = session.get(front.front_url + path, params=params, timeout=3).status_code
                except requests.RequestException as e:
                    status = repr(e)
                took = time.monotonic() - sent
                worst, probes = max(worst, took), probes + 1
                statuses.append(status)
                assert took < 1.0, f"{path} took {took:.2f} s with {SLOW} slow connections held"
            time.sleep(0.2)
        stop.set()
        answers = _answers(opened, HEADER_SECONDS + 3 - (time.monotonic() - began))
    finally:
        stop.set()
        for s in opened:
            s.close()
    assert set(statuses) == {200}, statuses
    assert probes >= 10, probes
    # every slow connection was ended by the front when its header time ran out: a 408 for those that began a
    # request (the silent ones may be closed without one), never a 5xx, and none left hanging
    assert None not in answers, f"{answers.count(None)} slow connections neither answered nor closed"
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers[::2]), {a[:20] for a in answers[::2]}
    assert all(a == b"" or a.startswith(b"HTTP/1.1 408") for a in answers[1::2]), {a[:20] for a in answers[1::2]}


def test_an_idle_keep_alive_connection_outlives_a_worker_s_poll_interval(front):
    request = (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
    with socket.create_connection(("127.0.0.1", front.front_port), timeout=5) as s:
        s.sendall(request)
        head = _response_head(s)
        assert head.startswith(b"HTTP/1.1 200") and b"connection: close" not in head.lower(), head
        time.sleep(WORKER_POLL_SECONDS + 1.0)  # idle longer than a poll (and than gunicorn's own keep-alive)
        s.sendall(request)  # the same connection, still open
        assert _response_head(s).startswith(b"HTTP/1.1 200")


def test_the_front_keeps_idle_connections_longer_than_a_camunda_worker_backs_off(front):
    rendered = subprocess.run([str(BIN / "python"), "front/render.py"], cwd=ROOT, env=front.env,
                              capture_output=True, text=True, check=True, timeout=30).stdout
    keep_alive = re.search(r"timeout http-keep-alive (\d+)(ms|s|m)?", rendered)
    assert keep_alive, "the front sets no keep-alive timeout"
    seconds = int(keep_alive[1]) * {"ms": 0.001, "s": 1, "m": 60, None: 0.001}[keep_alive[2]]
    assert seconds > CAMUNDA_MAX_BACKOFF_SECONDS


def _response_head(s: socket.socket) -> bytes:
    """Read one response (head and its Content-Length body) from the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, f"the front closed the connection: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])
    while len(body) < length:
        body += s.recv(4096)
    return head
