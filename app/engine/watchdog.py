"""A CPU deadline for one evaluation that interrupts it wherever it is, in whichever thread runs it.

`signal.setitimer` reaches only the main thread, and gunicorn's and Flask's request threads are not it;
`sys.settrace` slows every line of the evaluation and sees nothing of a loop inside one call. Here a
watchdog thread reads the CPU clock of each thread that is evaluating (`pthread_getcpuclockid`) and,
once it passes the deadline, raises `CpuDeadline` in that thread (`PyThreadState_SetAsyncExc`): the
evaluation stops at its next bytecode, inside a function call as well as between steps. A single call
into C is not interrupted, so every allow-listed function also bounds its own arguments (sandbox.py).
"""

import ctypes
import gc
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

POLL_SECONDS = 0.02
T = TypeVar("T")


class CpuDeadline(BaseException):
    """Raised into an evaluating thread whose CPU time passed its deadline (a BaseException, so no
    `except Exception` inside the evaluation swallows it)."""


class _Slot:
    """One thread's evaluation: its CPU clock, its deadline, and whether the watchdog already fired."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.ident = threading.get_ident()
        self.clock = time.pthread_getcpuclockid(self.ident)
        self.lock = threading.RLock()  # a collection may start while its own thread holds it
        self.deadline = 0.0
        self.armed = False
        self.fired = False
        self.collecting_since: float | None = None  # CPU clock when a garbage collection in this thread began


_local = threading.local()
_armed: dict[int, _Slot] = {}
_wake = threading.Event()
_started_in: list[int] = []  # the pid whose watchdog thread runs (a forked worker starts its own)


def within_cpu_seconds(seconds: float, evaluate: Callable[[], T], on_deadline: Callable[[], BaseException]) -> T:
    """Return `evaluate()`, or raise `on_deadline()` once this thread spent `seconds` of CPU in it.

    A nested call runs under the deadline of the outermost one.
    """
    slot = getattr(_local, "slot", None)
    if slot is None or slot.pid != os.getpid():  # a forked worker's thread has a clock of its own
        slot = _local.slot = _Slot()
    if slot.armed:
        return evaluate()
    _arm(slot, seconds)
    try:
        try:
            return evaluate()
        finally:
            _disarm(slot)
    except CpuDeadline:
        _disarm(slot)  # the deadline may have landed inside the first _disarm, before it finished
        raise on_deadline() from None


def _arm(slot: _Slot, seconds: float) -> None:
    slot.deadline = time.clock_gettime(slot.clock) + seconds
    slot.fired = False
    slot.collecting_since = None
    slot.armed = True
    _armed[slot.ident] = slot
    if not _started_in or _started_in[0] != os.getpid():
        _start_watchdog()
    if not _wake.is_set():
        _wake.set()


def _disarm(slot: _Slot) -> None:
    with slot.lock:
        slot.armed = False
        _armed.pop(slot.ident, None)
        if slot.fired:  # fired but perhaps not yet delivered: withdraw it so it cannot land after the evaluation
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(slot.ident), None)


def _collecting(phase: str, _info: dict[str, int]) -> None:
    """Leave garbage collection out of an evaluation's CPU time: a full collection of a large heap, which the
    evaluation only happened to trigger, can take longer than its whole deadline. Nor is the deadline raised
    during a collection: it would land in a gc callback (Python code of some library), not in the evaluation."""
    slot = getattr(_local, "slot", None)
    if slot is None or not slot.armed:
        return
    with slot.lock:
        now = time.clock_gettime(slot.clock)
        if phase == "start":
            slot.collecting_since = now
        elif slot.collecting_since is not None:
            slot.deadline += now - slot.collecting_since
            slot.collecting_since = None


def _fire(slot: _Slot) -> None:
    with slot.lock:
        if slot.armed and not slot.fired and slot.collecting_since is None:
            slot.fired = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(slot.ident), ctypes.py_object(CpuDeadline))


def _watch() -> None:
    while True:
        while not _armed:
            _wake.clear()
            if not _armed:
                _wake.wait()
        time.sleep(POLL_SECONDS)
        for slot in list(_armed.values()):
            try:
                spent = time.clock_gettime(slot.clock)
            except OSError:  # the thread ended
                _armed.pop(slot.ident, None)
                continue
            if spent > slot.deadline:
                _fire(slot)


_START_LOCK = threading.Lock()


def _start_watchdog() -> None:
    with _START_LOCK:
        if _started_in and _started_in[0] == os.getpid():
            return
        _started_in[:] = [os.getpid()]
        if _collecting not in gc.callbacks:
            gc.callbacks.append(_collecting)
        threading.Thread(target=_watch, name="evaluation-watchdog", daemon=True).start()
