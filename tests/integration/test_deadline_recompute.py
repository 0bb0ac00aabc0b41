"""A calendar change and the recompute of the deadlines it moves are one durable operation, also across processes.

The change writes the recompute it owes in its own transaction; batches of short transactions work it off (the
request for a few seconds, the scheduler after), so a process that dies in between leaves it to the next poll, and a
retry with the same Idempotency-Key gets the change's answer. On PostgreSQL a change waits for the commands that read
the calendar before it, and a command that began after it never uses a calendar older than it
(app/store/calendar_generation.py).
"""

import threading
from datetime import date

import pytest
from sqlalchemy import event, select

from app.domain.clock import local
from app.services import closures, deadlines
from app.services.cases import start_case
from app.services.commands import StartCase
from app.services.users import authenticate
from app.store.tables import DeadlineRecompute, ProcessInstance, Task
from tests.conftest import PASSWORD
from tests.support.deployments import deploy_files, minimal_process

URL = "/api/calendar/closures"
DUE = minimal_process("duewin", '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="window" '
                                'camunda:dueDate="${add_workdays(d, 1)}" />')


class NodeKilled(BaseException):
    """The process dies: nothing after this point runs, no answer goes out."""


@pytest.fixture
def due_process(login_as):
    assert deploy_files(login_as("designer"), {"duewin.bpmn": DUE}, name="duewin").status_code == 200


def _start(runtime, prefix: str, count: int, d: str) -> list[str]:
    window = authenticate(runtime, "window_cg", PASSWORD)
    return [start_case(runtime, StartCase(window, "duewin", f"{prefix}-{n}", {"d": d})).id for n in range(count)]


def _dues(runtime, ids: list[str]) -> dict[str, date]:
    with runtime.reading() as uow:
        rows = uow.session.execute(select(Task.process_instance_id, Task.due).where(
            Task.process_instance_id.in_(ids))).all()
    return {case: local(due).date() for case, due in rows}


def test_a_closure_committed_by_a_node_that_died_is_recomputed_by_the_next_poll_and_its_retry_answered(
        runtime, login_as, due_process, monkeypatch):
    ids = _start(runtime, "killed", 3, "2026-12-07")  # Mon: due Tue 12-08
    assert set(_dues(runtime, ids).values()) == {date(2026, 12, 8)}
    designer = login_as("designer")
    headers = {**designer.headers, "Idempotency-Key": "clos-cg-1"}
    body = {"org": "cg", "day": "2026-12-08", "reason": "停电"}

    def dies(*_args, **_kwargs):
        raise NodeKilled

    monkeypatch.setattr(closures, "work_off", dies)  # killed right after the change committed
    with pytest.raises(NodeKilled):
        designer.client.post(URL, json=body, headers=headers)
    monkeypatch.undo()
    assert set(_dues(runtime, ids).values()) == {date(2026, 12, 8)}  # the change stands, nothing moved yet

    retry = designer.client.post(URL, json=body, headers=headers)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true", retry.json
    assert retry.json["org"] == "cg" and retry.json["day"] == "2026-12-08"
    owed = retry.json["recompute"]
    assert owed["affectedTasks"] == 3 and owed["finished"] is False and retry.json["recomputedTasks"] == 0
    again = designer.client.post(URL, json=body, headers=designer.headers)  # without the key: it is registered
    assert again.status_code == 400 and again.json["field"] == "day"

    deadlines.work_off_all(runtime, budget_seconds=60)  # the scheduler's next poll, on any node
    assert set(_dues(runtime, ids).values()) == {date(2026, 12, 9)}
    progress = designer.client.get(f"/api/calendar/recomputes/{owed['id']}", headers=designer.headers).json
    assert progress == {**owed, "tasks": 3, "finished": True}
    assert login_as("window_cg").client.get(f"/api/calendar/recomputes/{owed['id']}",
                                            headers=login_as("window_cg").headers).status_code == 403
    removed = designer.client.delete(f"{URL}/{retry.json['id']}", headers=designer.headers)
    assert removed.status_code == 200 and removed.json["recompute"]["finished"] is True
    assert set(_dues(runtime, ids).values()) == {date(2026, 12, 8)}


def test_the_recompute_runs_in_batches_of_short_transactions(runtime, login_as, due_process, monkeypatch):
    ids = _start(runtime, "batched", 10, "2026-12-14")  # Mon: due Tue 12-15
    monkeypatch.setattr(deadlines, "BATCH", 4)
    designer = login_as("designer")
    engine = runtime.session_factory.kw["bind"]
    per_transaction, updates = [], [0]

    def on_execute(conn, cursor, statement, *_):
        updates[0] += statement.lstrip().upper().startswith("UPDATE TASK ")

    def on_commit(conn):
        per_transaction.append(updates[0])
        updates[0] = 0

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        added = designer.client.post(URL, json={"org": "cg", "day": "2026-12-15", "reason": "停水"},
                                     headers=designer.headers)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
    assert added.status_code == 201 and added.json["recompute"]["finished"] is True, added.json
    assert added.json["recomputedTasks"] == added.json["recompute"]["affectedTasks"] == 10
    moving = [n for n in per_transaction if n]
    assert moving == [4, 4, 2], per_transaction  # never more than BATCH tasks locked in one transaction
    assert set(_dues(runtime, ids).values()) == {date(2026, 12, 16)}


def _on_postgresql(runtime) -> None:
    if runtime.session_factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("the calendar lock is PostgreSQL's; SQLite serves one process")


def test_a_closure_waits_for_a_start_that_read_the_calendar_before_it_and_its_recompute_moves_that_case(
        runtime, due_process, monkeypatch):
    _on_postgresql(runtime)
    read, go, started = threading.Event(), threading.Event(), []
    original = runtime.calendar_for

    def held(org_path, session=None):
        calendar = original(org_path, session)
        if threading.current_thread().name == "start" and not read.is_set():
            read.set()  # the start holds the calendar it read, and computes its deadline from it
            go.wait(30)
        return calendar

    monkeypatch.setattr(runtime, "calendar_for", held)
    start = threading.Thread(name="start", target=lambda: started.extend(_start(runtime, "early", 1, "2026-12-21")))
    start.start()
    assert read.wait(30)
    change = threading.Thread(target=closures.add_closure, args=(
        runtime, authenticate(runtime, "designer", PASSWORD), "cg", date(2026, 12, 22), "停电"),
        kwargs={"budget_seconds": 0})
    change.start()
    change.join(1.0)
    assert change.is_alive()  # the closure waits for the start that read the calendar before it
    go.set()
    start.join(30)
    change.join(30)
    assert not change.is_alive() and _dues(runtime, started) == {started[0]: date(2026, 12, 22)}
    deadlines.work_off_all(runtime, budget_seconds=60)  # its recompute sees the start's task
    assert _dues(runtime, started) == {started[0]: date(2026, 12, 23)}


def test_a_start_after_a_closure_counts_it_though_its_process_never_heard_of_the_change(
        runtime, due_process, monkeypatch):
    _on_postgresql(runtime)
    runtime.calendar  # noqa: B018  the calendar cached before the change
    monkeypatch.setitem(runtime.broadcast._handlers, "calendar", [])  # the NOTIFY never reaches this process
    changed, go = threading.Event(), threading.Event()
    original = closures.change_calendar

    def held(session):
        generation = original(session)
        changed.set()  # the change holds the calendar exclusively, not yet committed
        go.wait(30)
        return generation

    monkeypatch.setattr(closures, "change_calendar", held)
    change = threading.Thread(target=closures.add_closure, args=(
        runtime, authenticate(runtime, "designer", PASSWORD), "cg", date(2026, 12, 29), "停电"),
        kwargs={"budget_seconds": 0})  # nothing recomputed: the start must count the closure itself
    change.start()
    assert changed.wait(30)
    started: list[str] = []
    start = threading.Thread(target=lambda: started.extend(_start(runtime, "late", 1, "2026-12-28")))
    start.start()
    start.join(1.0)
    assert start.is_alive()  # a start waits for the change in flight
    go.set()
    change.join(30)
    start.join(30)
    assert _dues(runtime, started) == {started[0]: date(2026, 12, 30)}  # 12-29 closed
    with runtime.reading() as uow:
        assert uow.session.scalar(select(ProcessInstance.business_key).where(
            ProcessInstance.id == started[0])) == "late-0"
    deadlines.work_off_all(runtime, budget_seconds=60)  # the recompute it owes moves nothing more
    assert _dues(runtime, started) == {started[0]: date(2026, 12, 30)}


def test_a_failed_batch_leaves_the_change_in_force_and_the_next_poll_finishes_it(
        runtime, login_as, due_process, monkeypatch):
    ids = _start(runtime, "failing", 2, "2027-01-04")  # Mon: due Tue 01-05
    designer = login_as("designer")

    def fails(*_args, **_kwargs):
        raise RuntimeError("lost the connection mid-batch")

    monkeypatch.setattr(deadlines, "_recompute_tasks", fails)
    added = designer.client.post(URL, json={"org": "cg", "day": "2027-01-05", "reason": "停电"},
                                 headers=designer.headers)
    assert added.status_code == 201, added.json  # the change is in force; its recompute is owed
    owed = added.json["recompute"]
    assert owed["finished"] is False and owed["affectedTasks"] == 2 and added.json["recomputedTasks"] == 0
    assert deadlines.work_off_all(runtime, budget_seconds=60) == 0  # the poll fails too, and says why
    with runtime.reading() as uow:
        assert "lost the connection" in uow.session.scalar(select(DeadlineRecompute.last_error).where(
            DeadlineRecompute.id == owed["id"]))
    monkeypatch.undo()
    deadlines.work_off_all(runtime, budget_seconds=60)
    assert set(_dues(runtime, ids).values()) == {date(2027, 1, 6)}
    progress = designer.client.get(f"/api/calendar/recomputes/{owed['id']}", headers=designer.headers).json
    assert progress["finished"] is True and progress["tasks"] == 2
