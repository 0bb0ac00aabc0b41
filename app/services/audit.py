"""Verify that a case's history proves itself: an unbroken hash chain ending in the stored state."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from app.domain.actors import Actor
from app.domain.audit import state_digest
from app.domain.errors import NotFound
from app.store.queries import visible_instance
from app.store.tables import CaseEvent, ProcessInstance

from .projection import hash_of
from .runtime import Runtime


@dataclass
class Verdict:
    case_id: str
    ok: bool
    events: int
    first_bad_event: int | None = None
    problem: str | None = None


def verify_instance(session, instance: ProcessInstance) -> Verdict:
    """Check sequence, content hashes, chaining, the case's last hash and its stored state."""
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.process_instance_id == instance.id)
                                  .order_by(CaseEvent.seq)))
    previous = None
    for expected, event in enumerate(events, start=1):
        problem = _event_problem(event, expected, previous)
        if problem:
            return Verdict(instance.id, False, len(events), min(expected, event.seq), problem)
        previous = event.hash
    if instance.last_event_hash != previous:
        return Verdict(instance.id, False, len(events), len(events) + 1,
                       "案件记录的最后事件哈希与日志不符（日志末尾的事件缺失）")
    if not events or events[-1].state_hash != state_digest(instance.workflow):
        return Verdict(instance.id, False, len(events), len(events), "存储的案件状态与最后事件记录的状态不符")
    return Verdict(instance.id, True, len(events))


def _event_problem(event: CaseEvent, expected: int, previous: str | None) -> str | None:
    if event.seq != expected:
        return f"事件序号不连续：应为 {expected}，实为 {event.seq}（事件缺失）"
    if event.prev_hash != previous:
        return "事件的前序哈希与上一事件不符"
    if hash_of(event) != event.hash:
        return "事件内容与其哈希不符（事件被修改）"
    return None


def verify_case(rt: Runtime, actor: Actor, case_id: str) -> Verdict:
    actor.require("audit.verify")
    with rt.unit_of_work() as uow:
        instance = visible_instance(uow.session, actor, case_id)
        if instance is None:
            raise NotFound(f"案件 {case_id} 不存在", field="id")
        return verify_instance(uow.session, instance)


def verify_all(rt: Runtime, actor: Actor, batch: int = 500) -> Iterator[Verdict]:
    """Verify every case in the actor's scope, a batch of cases per unit of work."""
    actor.require("audit.verify")
    last = ""
    while True:
        with rt.unit_of_work() as uow:
            cases = list(uow.session.scalars(
                select(ProcessInstance).where(ProcessInstance.org_path.like(actor.scope.like_pattern),
                                              ProcessInstance.id > last)
                .order_by(ProcessInstance.id).limit(batch)))
            if not cases:
                return
            verdicts = [verify_instance(uow.session, case) for case in cases]
            last = cases[-1].id
        yield from verdicts


def count_cases(rt: Runtime, actor: Actor) -> int:
    with rt.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProcessInstance)
                                  .where(ProcessInstance.org_path.like(actor.scope.like_pattern))) or 0
