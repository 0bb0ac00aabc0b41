"""Two completions of one task at once: exactly one wins, the other gets a 409; nothing is lost."""

import threading

import pytest

from app.domain.errors import Conflict, Forbidden, NotFound
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from app.store.tables import CaseEvent, ProcessInstance
from tests.support.dibao_steps import Case


@pytest.mark.fault("retried starts and completions")
def test_concurrent_completions_end_in_one_success_and_one_conflict(app, runtime, login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    task_id = case.task("reviewer_cg", "township_review")["id"]
    from app.domain.actors import Actor

    reviewers = [Actor("reviewer_cg", "/sfx/cg/", frozenset({"township_reviewer"})),
                 Actor("county_reviewer", "/sfx/", frozenset({"township_reviewer"}))]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(actor, opinion):
        barrier.wait()
        try:
            complete_task(runtime, CompleteTask(actor, task_id, {"opinion": opinion, "reason": "x",
                                                                 "proposed_amount": 1140.0}))
            outcomes.append("ok")
        except (Conflict, NotFound, Forbidden) as err:
            outcomes.append(type(err).__name__)

    pairs = zip(reviewers, ["approve", "reject"], strict=True)
    threads = [threading.Thread(target=attempt, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] != "ok" and outcomes.count("ok") == 1, outcomes
    with runtime.unit_of_work() as uow:
        events = uow.session.query(CaseEvent).filter_by(process_instance_id=case.id, command="complete").all()
        assert [e.target for e in events].count("township_review") == 1
        instance = uow.session.get(ProcessInstance, case.id)
        assert instance.version == max(e.seq for e in uow.session.query(CaseEvent)
                                       .filter_by(process_instance_id=case.id))
