"""CPU time the service's workers, PostgreSQL and the load generator spend over one measurement, and
how much of the workers' the engine took.

The bench runs all three on the same cores, so the throughput figure alone does not say how much
of the machine the service itself used; these figures do, per completion."""

import os
import resource
import subprocess
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

_TICK = os.sysconf("SC_CLK_TCK")


def process_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of `pids` so far (a process that has gone counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


def _postgres_pids(database_url: str | None = None) -> list[int]:
    """Every PostgreSQL process; with `database_url`, only the backends connected to that database (other work
    on the same server, another database's load say, is then not counted as the bench's)."""
    if database_url is None:
        out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(database_url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name "
                                          "AND pid <> pg_backend_pid()"), {"name": url.database}).scalars())
    finally:
        engine.dispose()


def _process_times(pids: list[int]) -> dict[int, float]:
    return {pid: process_seconds([pid]) for pid in pids}


def _own_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def engine_seconds(base: str) -> float:
    """The engine's CPU seconds so far, summed over the service's workers (its /metrics)."""
    text = requests.get(base + "/metrics", timeout=30).text
    return sum(sample.value for family in text_string_to_metric_families(text)
               if family.name == "assistance_engine_cpu_seconds" for sample in family.samples
               if sample.name.endswith("_total"))


class Meter:
    """`start()`, then `stop()` returns CPU seconds of the workers, of the engine inside them, of PostgreSQL (0 where
    its processes are not visible) and of this process (the load generator) in between."""

    def __init__(self, worker_pids: list[int], base: str, database_url: str | None = None):
        self.workers, self.base, self.database_url = worker_pids, base, database_url
        self.began: tuple[float, ...] | None = None
        self.postgres_began: dict[int, float] = {}

    def _now(self) -> tuple[float, ...]:
        return process_seconds(self.workers), engine_seconds(self.base), _own_seconds()

    def start(self) -> None:
        self.postgres_began = _process_times(_postgres_pids(self.database_url))
        self.began = self._now()

    def stop(self) -> dict:
        now = self._now()
        # a backend that started in between counts from its start (0); one that ended is not seen
        postgres = sum(seconds - self.postgres_began.get(pid, 0.0)
                       for pid, seconds in _process_times(_postgres_pids(self.database_url)).items())
        workers, engine, load = (round(b - a, 2) for a, b in zip(self.began, now, strict=True))
        return {"workers_cpu_s": workers, "engine_cpu_s": engine, "postgres_cpu_s": round(postgres, 2),
                "load_cpu_s": load}


def request_figures(base: str) -> dict[str, tuple[float, float]]:
    """Per endpoint so far, summed over the workers: (requests served, CPU seconds their threads spent)."""
    text = requests.get(base + "/metrics", timeout=30).text
    out: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            endpoint = sample.labels.get("endpoint")
            if family.name == "assistance_http_request_duration_seconds" and sample.name.endswith("_count"):
                out.setdefault(endpoint, [0.0, 0.0])[0] += sample.value
            elif family.name == "assistance_http_request_cpu_seconds" and sample.name.endswith("_total"):
                out.setdefault(endpoint, [0.0, 0.0])[1] += sample.value
    return {endpoint: (n, seconds) for endpoint, (n, seconds) in out.items()}


class EndpointMeter:
    """`start()`, then `stop()` returns, for each of `endpoints` (a name -> the Flask endpoint), the requests served
    in between and the workers' CPU per request (ms), from the workers' /metrics."""

    def __init__(self, base: str, endpoints: dict[str, str]):
        self.base, self.endpoints = base, endpoints
        self.began: dict[str, tuple[float, float]] = {}

    def start(self) -> None:
        self.began = request_figures(self.base)

    def stop(self) -> dict:
        now, out = request_figures(self.base), {}
        for name, endpoint in self.endpoints.items():
            n0, s0 = self.began.get(endpoint, (0.0, 0.0))
            n1, s1 = now.get(endpoint, (0.0, 0.0))
            served = int(n1 - n0)
            out[name] = {"requests": served, "cpu_ms": round(1000 * (s1 - s0) / served, 2) if served else None}
        return out
