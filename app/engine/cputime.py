"""CPU time each thread spends in the engine (restoring, running and storing workflows), for /metrics:
how much of a worker's CPU the engine takes, and how much the service around it."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_spent = threading.local()


def engine_seconds() -> float:
    """Return the CPU seconds this thread has spent in the engine so far."""
    return getattr(_spent, "seconds", 0.0)


@contextmanager
def charged() -> Iterator[None]:
    """Count the CPU this thread spends in the block as the engine's."""
    started = time.thread_time()
    try:
        yield
    finally:
        _spent.seconds = engine_seconds() + time.thread_time() - started
