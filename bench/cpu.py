"""CPU time the service's workers, PostgreSQL and the load generator spend over one measurement.

The bench runs all three on the same cores, so the throughput figure alone does not say how much
of the machine the service itself used; these figures do, per completion."""

import os
import resource
import subprocess
from pathlib import Path

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


class Meter:
    """`start()`, then `stop()` returns CPU seconds of the workers, PostgreSQL (0 where its processes are not
    visible) and this process (the load generator) in between."""

    def __init__(self, worker_pids: list[int]):
        self.workers = worker_pids
        self.began: tuple[float, float, float] | None = None

    def _now(self) -> tuple[float, float, float]:
        return process_seconds(self.workers), process_seconds(_postgres_pids()), _own_seconds()

    def start(self) -> None:
        self.began = self._now()

    def stop(self) -> dict:
        now = self._now()
        workers, postgres, load = (round(b - a, 2) for a, b in zip(self.began, now, strict=True))
        return {"workers_cpu_s": workers, "postgres_cpu_s": postgres, "load_cpu_s": load}
