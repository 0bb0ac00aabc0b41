"""Timer firing among 1,000,000 waiting: 10,000 real re-check cases, fired by the service's own scheduler."""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import text

from .inbox import percentile

KEY = "bench_recheck"
OURS_ONLY = "definition_key = 'bench_recheck'"
OURS = f"FROM job WHERE {OURS_ONLY}"


def start_cases(base: str, count: int = 10_000, threads: int = 16) -> float:
    """Start `count` re-check cases over HTTP (each waits on a one-year timer); return seconds taken."""
    def work(n: int):
        s = requests.Session()
        s.auth = ("window_cg", "demo123")
        for _ in range(n):
            s.post(f"{base}/engine-rest/process-definition/key/{KEY}/start",
                   json={"businessKey": f"RECHECK-{uuid.uuid4().hex[:12]}"}).raise_for_status()

    began = time.monotonic()
    workers = [threading.Thread(target=work, args=(count // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.monotonic() - began


def pick_plan(engine) -> dict:
    """The scheduler's due-job query: its plan and time with every timer waiting."""
    sql = ("EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM job WHERE due <= now() AND retries > 0 "
           "ORDER BY due LIMIT 1 FOR UPDATE SKIP LOCKED")
    with engine.connect() as conn:
        waiting = conn.execute(text("SELECT count(*) FROM job")).scalar()
        plan = conn.execute(text(sql)).scalar()[0]
        conn.rollback()
    node = plan["Plan"]
    while "Plans" in node and node.get("Node Type") not in ("Index Scan", "Seq Scan"):
        node = node["Plans"][0]
    return {"waiting": waiting, "node": node.get("Node Type"), "index": node.get("Index Name"),
            "ms": round(plan["Execution Time"], 3)}


def _wait_until_fired(engine, timeout: float) -> list[tuple[float, int]]:
    """Poll the count of our due-or-past jobs until none is left; return (time, remaining) samples."""
    samples, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            # by the index on due: the timers made due are the only ones within a day (the rest wait 30+ days)
            left = conn.execute(text("SELECT count(*) FROM job WHERE due < now() + interval '1 day'")).scalar()
        samples.append((time.monotonic(), left))
        if left == 0:
            break
        time.sleep(0.25)
    return samples


def firing_rate(engine, due_now: int = 10_000, seconds: float = 60.0) -> dict:
    """Make `due_now` re-check timers due at once; fired per second while the scheduler drains them.

    At most `seconds` are watched; the timers still due then are put back a year, for the lag test.
    """
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE job SET due = now() - interval '1 second' WHERE id IN "
                          f"(SELECT id {OURS} ORDER BY id LIMIT :n)"), {"n": due_now})
    samples = _wait_until_fired(engine, timeout=seconds)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE job SET due = now() + interval '1 year' WHERE {OURS_ONLY} "
                          "AND due < now() + interval '1 day'"))
    fired, elapsed = due_now - samples[-1][1], samples[-1][0] - samples[0][0]
    return {"due": due_now, "fired": fired, "seconds": round(elapsed, 2),
            "per_second": round(fired / max(elapsed, 1e-6), 1)}


def lag(engine, rate: float, seconds: float = 20.0) -> dict:
    """Timers falling due steadily at `rate`/s for `seconds`; due→fired latency from the case history."""
    count = max(20, int(rate * seconds))
    start = datetime.now(UTC) + timedelta(seconds=3)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text(f"SELECT id {OURS} AND due > now() ORDER BY id LIMIT :n"),
                                          {"n": count})]
        conn.execute(text("UPDATE job SET due = :start + (ord - 1) * (:step * interval '1 second') "
                          "FROM unnest(CAST(:ids AS varchar[])) WITH ORDINALITY AS u(job_id, ord) "
                          "WHERE job.id = u.job_id"), {"start": start, "step": 1 / rate, "ids": ids})
        dues = dict(conn.execute(text("SELECT id, due FROM job WHERE id = ANY(:ids)"), {"ids": ids}).all())
    time.sleep(count / rate + 3)
    _wait_until_fired(engine, timeout=120)
    with engine.connect() as conn:
        fired = dict(conn.execute(text("SELECT id::text, end_time FROM history_activity "
                                       "WHERE id = ANY(CAST(:ids AS uuid[]))"),
                                  {"ids": ids}).all())
    lags = [(fired[i] - dues[i]).total_seconds() for i in ids if fired.get(i) is not None]
    return {"timers": count, "rate": round(rate, 1), "fired": len(lags),
            "p50_s": round(percentile(lags, 0.5), 3) if lags else None,
            "p99_s": round(percentile(lags, 0.99), 3) if lags else None}
