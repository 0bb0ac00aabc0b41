"""Send one hostile request to the live server while another user keeps asking something simple: the hostile
one must be answered in time, and the simple one must keep being answered meanwhile."""

import base64
import http.client
import json
import threading
import time
import tracemalloc
from dataclasses import dataclass
from urllib.parse import urlparse

PASSWORD = "demo123"


@dataclass
class Answer:
    status: int
    body: dict
    seconds: float
    slowest_probe: float  # the longest another request waited while this one ran
    peak_bytes: int  # the most memory the process had allocated meanwhile (tracemalloc)


def _request(base: str, username: str, method: str, path: str, body=None, timeout: float = 30):
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    return response.status, (json.loads(raw) if raw else {})


def answered_in_time(base: str, username: str, method: str, path: str, body=None, limit: float = 10.0,
                     memory: bool = False) -> Answer:
    """Send the request to the server at `base` as `username`; probe `GET /engine-rest/version` meanwhile.

    With `memory`, also trace the process's allocations (which slows it) to report their peak.
    """
    done, probes = threading.Event(), [0.0]

    def probe():
        while not done.is_set():
            started = time.monotonic()
            _request(base, "window_cg", "GET", "/engine-rest/version", timeout=limit * 2)
            probes[0] = max(probes[0], time.monotonic() - started)
            done.wait(0.1)

    prober = threading.Thread(target=probe, daemon=True)
    if memory:
        tracemalloc.start()
    started = time.monotonic()
    prober.start()
    try:
        status, answer = _request(base, username, method, path, body, timeout=limit)
    finally:
        seconds = time.monotonic() - started
        done.set()
        prober.join(limit * 2)
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
        tracemalloc.stop()
    return Answer(status, answer, seconds, probes[0], peak)
