"""The CPU deadline interrupts an evaluation inside a long call, in whichever thread runs it, and leaves nothing
pending once the evaluation is over."""

import threading
import time

import pytest

from app.engine.watchdog import within_cpu_seconds


class Late(Exception):
    pass


def _spin():
    while True:
        pass


def _in_thread(action):
    outcome = {}

    def run():
        started = time.thread_time()
        try:
            outcome["value"] = action()
        except Late:
            outcome["value"] = "late"
        outcome["cpu"] = time.thread_time() - started

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return outcome


@pytest.mark.parametrize("threads", [1, 3])
def test_a_python_loop_is_interrupted_at_the_deadline_in_request_threads(threads):
    with_others = [threading.Thread(target=lambda: _in_thread(lambda: within_cpu_seconds(0.2, _spin, Late)))
                   for _ in range(threads - 1)]
    for other in with_others:
        other.start()
    outcome = _in_thread(lambda: within_cpu_seconds(0.2, _spin, Late))
    for other in with_others:
        other.join(10)
    assert outcome["value"] == "late"
    assert 0.2 <= outcome["cpu"] < 0.6


def test_nested_evaluations_run_under_the_outer_deadline_and_nothing_lands_afterwards():
    def nested():
        return within_cpu_seconds(5, lambda: sum(range(10)), Late)

    outcome = _in_thread(lambda: [within_cpu_seconds(0.05, nested, Late) for _ in range(2000)])
    assert outcome["value"] == [45] * 2000
    time.sleep(0.1)  # a deadline fired late must not land in the code after the evaluation
    assert _in_thread(lambda: sum(1 for _ in range(10**6)))["value"] == 10**6


def test_waiting_is_not_spending():
    assert _in_thread(lambda: within_cpu_seconds(0.05, lambda: time.sleep(0.3) or "done", Late))["value"] == "done"


def test_garbage_collection_is_not_counted_and_never_interrupted():
    import gc

    from app.engine import watchdog

    def evaluation():
        assert watchdog._collecting in gc.callbacks
        watchdog._collecting("start", {})  # as the interpreter does around a collection the evaluation triggered
        began = time.thread_time()
        while time.thread_time() - began < 0.4:  # CPU spent inside the collection: past the 0.2 s deadline
            pass
        watchdog._collecting("stop", {})
        return "done"

    assert _in_thread(lambda: within_cpu_seconds(0.2, evaluation, Late))["value"] == "done"
    # outside a collection the deadline still holds
    assert _in_thread(lambda: within_cpu_seconds(0.2, _spin, Late))["value"] == "late"
