"""Verification reads each case and its events as of one moment, so commands running meanwhile are no tampering."""

import threading
import time
import uuid

import pytest
from sqlalchemy import select

from app.domain.actors import Actor
from app.services.audit import verify_all, verify_case
from app.services.cases import claim_task
from app.services.commands import ClaimTask
from app.services.users import active_actor
from app.store.tables import ProcessInstance
from tests.conftest import typed

CASES = 6
KEY = b"test-audit-key"  # the audit key: these cases are never checkpointed, so any


def _cases_in_a_village(login_as) -> tuple[list[str], list[str]]:
    window = login_as("window_hd")
    ids, tasks = [], []
    for _ in range(CASES):
        started = window.post("/process-definition/key/dibao/start",
                              {"businessKey": f"VL-{uuid.uuid4().hex[:12]}", "variables": typed(village="hedong2")})
        assert started.status_code == 200, started.json
        ids.append(started.json["id"])
        tasks.append(window.get("/task", processInstanceId=ids[-1]).json[0]["id"])
    return ids, tasks


def _claim_and_give_back(runtime, tasks: list[str], stop: threading.Event, done: list[int]) -> None:
    """Append events to the cases as fast as one client can: claim a task, give it back, next case."""
    window, _ = active_actor(runtime, "window_hd")
    while not stop.is_set():
        for task in tasks:
            claim_task(runtime, ClaimTask(window, task, "window_hd"))
            claim_task(runtime, ClaimTask(window, task, None))
            done[0] += 2


@pytest.mark.fault("verification under load")
def test_verification_finds_no_tampering_while_commands_append_events(runtime, login_as, clock):
    ids, tasks = _cases_in_a_village(login_as)
    with runtime.reading() as uow:
        village = uow.session.scalar(select(ProcessInstance.org_path).where(ProcessInstance.id == ids[0]))
    auditor = Actor("auditor", village, frozenset({"auditor"}))  # this village's cases only
    stop, done = threading.Event(), [0]
    load = threading.Thread(target=_claim_and_give_back, args=(runtime, tasks, stop, done))
    load.start()
    passes, verdicts = 0, []
    try:
        began = time.monotonic()
        while time.monotonic() - began < 3 or done[0] < 20:
            verdicts += [v for v in verify_all(runtime, auditor, KEY) if v.case_id in ids]
            verdicts += [verify_case(runtime, auditor, case_id, KEY) for case_id in ids[:2]]
            passes += 1
    finally:
        stop.set()
        load.join()
    assert done[0] >= 20 and passes >= 2
    assert [(v.case_id, v.problem) for v in verdicts if not v.ok] == []
    assert all(v.ok for case_id in ids for v in [verify_case(runtime, auditor, case_id, KEY)])
