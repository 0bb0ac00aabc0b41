"""Inbox latency: a candidate-group page of 50 over HTTP, among 1,000,000 open tasks in 10,000 villages."""

import statistics
import time

import requests

from .bulk import INBOX_USERS, TOWNSHIP_USER


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _latencies(base: str, users: list[str], group: str, rounds: int) -> tuple[list[float], int]:
    timings, rows = [], 0
    sessions = []
    for user in users:
        s = requests.Session()
        s.auth = (user, "demo123")
        s.get(f"{base}/engine-rest/task", params={"maxResults": 1})  # the login (password hash) is not the inbox
        sessions.append(s)
    for i in range(rounds):
        s = sessions[i % len(sessions)]
        started = time.perf_counter()
        response = s.get(f"{base}/engine-rest/task", params={"candidateGroup": group, "maxResults": 50})
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        rows = max(rows, len(response.json()))
    return timings, rows


def measure(base: str, rounds: int = 500) -> dict:
    """p50/p95 of GET /engine-rest/task?candidateGroup=…&maxResults=50 for village users, and a township's."""
    village, rows = _latencies(base, [u for u, _ in INBOX_USERS], "village", rounds)
    township, township_rows = _latencies(base, [TOWNSHIP_USER[0]], "township_reviewer", rounds // 5)
    return {"village_p50_ms": round(statistics.median(village), 2),
            "village_p95_ms": round(percentile(village, 0.95), 2),
            "village_page_rows": rows, "township_p50_ms": round(statistics.median(township), 2),
            "township_p95_ms": round(percentile(township, 0.95), 2), "township_page_rows": township_rows}
