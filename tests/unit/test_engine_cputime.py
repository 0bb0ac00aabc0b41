"""The engine's CPU, counted per thread for /metrics: what a block computes counts, what it waits for does not."""

import threading
import time

from app.engine.cputime import charged, engine_seconds


def _spin(seconds: float) -> None:
    started = time.thread_time()
    while time.thread_time() - started < seconds:
        pass


def test_cpu_spent_in_the_block_counts_and_waiting_does_not():
    before = engine_seconds()
    with charged():
        time.sleep(0.2)
    waited = engine_seconds() - before
    with charged():
        _spin(0.05)
    assert waited < 0.02
    assert engine_seconds() - before >= 0.05


def test_another_threads_engine_time_is_its_own():
    before = engine_seconds()
    other = threading.Thread(target=charged()(_spin), args=(0.05,))
    other.start()
    other.join()
    assert engine_seconds() - before < 0.01
