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


def _postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


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

    def __init__(self, worker_pids: list[int], base: str):
        self.workers, self.base = worker_pids, base
        self.began: tuple[float, ...] | None = None

    def _now(self) -> tuple[float, ...]:
        return (process_seconds(self.workers), engine_seconds(self.base), process_seconds(_postgres_pids()),
                _own_seconds())

    def start(self) -> None:
        self.began = self._now()

    def stop(self) -> dict:
        now = self._now()
        workers, engine, postgres, load = (round(b - a, 2) for a, b in zip(self.began, now, strict=True))
        return {"workers_cpu_s": workers, "engine_cpu_s": engine, "postgres_cpu_s": postgres, "load_cpu_s": load}
