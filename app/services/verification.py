"""The nightly verification of every case, which scales with what changed since the last night.

Each night every case's hash chain is checked whole (cheap: a hash per event), and only the events
after the case's checkpoint are replayed. The checkpoint, kept when a case verifies, names its last
verified event by seq and hash and holds the state and data replay reached there, signed with the
audit key (HMAC): an event up to it that was changed, removed or re-chained no longer has the hash the
checkpoint names, and a checkpoint changed without the key no longer matches its signature. A full
replay (`full`) re-runs every event of every case, in several processes.
"""

import hashlib
import hmac
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.audit import checkpoint_signature, variables_digest
from app.store.tables import AuditCheckpoint, CaseEvent, ProcessInstance

from .attachment_audit import stored_attachments_problem
from .audit import Verdict, chain_problem, definition_problem, replay_from, verdict_of
from .calendar_history import CalendarsInForce
from .notice_audit import stored_notices_problem
from .replay import DefinitionsAtHand
from .runtime import Runtime


@dataclass(frozen=True)
class VerificationRun:
    key: bytes  # the audit key, which signs checkpoints
    full: bool = False  # replay every event, not only those after each case's checkpoint
    processes: int = 1
    batch: int = 200


def verify_cases(rt: Runtime, actor: Actor, run: VerificationRun) -> Iterator[Verdict]:
    """Verify every case in the actor's scope, a batch at a time (in `run.processes` processes); keep a signed
    checkpoint for each case that verifies."""
    actor.require("audit.verify")
    batches = _batches(rt, actor, run.batch)
    if run.processes <= 1:
        for ids in batches:
            yield from verify_batch(rt, run, ids)
        return
    context = multiprocessing.get_context("fork")  # the children share the loaded code and definitions
    with context.Pool(run.processes, initializer=_forked, initargs=(rt, run)) as pool:
        for verdicts in pool.imap(_verify_in_child, batches):
            yield from verdicts


def _batches(rt: Runtime, actor: Actor, size: int) -> Iterator[list[str]]:
    last = ""
    while True:
        with rt.reading() as uow:
            ids = list(uow.session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.org_path.like(actor.scope.like_pattern), ProcessInstance.id > last)
                .order_by(ProcessInstance.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


_child: tuple[Runtime, VerificationRun] | None = None


def _forked(rt: Runtime, run: VerificationRun) -> None:
    """A child process's own connections: those it inherited belong to the parent."""
    global _child
    _child = (rt, run)
    with rt.session_factory() as session:
        session.get_bind().dispose(close=False)


def _verify_in_child(ids: list[str]) -> list[Verdict]:
    rt, run = _child
    return verify_batch(rt, run, ids)


def verify_batch(rt: Runtime, run: VerificationRun, ids: list[str]) -> list[Verdict]:
    """Verify the cases `ids` as of one moment, then keep a checkpoint for each that verified at a new event."""
    with rt.reading(snapshot=True) as uow:
        session = uow.session
        cases = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids))
                                     .order_by(ProcessInstance.id)))
        events: dict[str, list[CaseEvent]] = {case_id: [] for case_id in ids}
        # plain rows, not mapped objects: a night reads millions of events and changes none
        for event in session.execute(select(*CaseEvent.__table__.c).where(CaseEvent.process_instance_id.in_(ids))
                                     .order_by(CaseEvent.process_instance_id, CaseEvent.seq)):
            events[event.process_instance_id].append(event)
        checkpoints = {c.process_instance_id: c for c in session.scalars(
            select(AuditCheckpoint).where(AuditCheckpoint.process_instance_id.in_(ids)))}
        definitions, calendars = DefinitionsAtHand(session), CalendarsInForce(session)
        verdicts, kept = [], []
        for case in cases:
            verdict, checkpoint = _verify_case(session, run, case, events[case.id], checkpoints.get(case.id),
                                               definitions, calendars)
            verdicts.append(verdict)
            if checkpoint is not None:
                kept.append(checkpoint)
    if kept:
        with rt.unit_of_work() as uow:
            uow.session.execute(delete(AuditCheckpoint).where(
                AuditCheckpoint.process_instance_id.in_([c["process_instance_id"] for c in kept])))
            uow.session.execute(insert(AuditCheckpoint), kept)
            uow.commit()
    return verdicts


def _verify_case(session, run: VerificationRun, case: ProcessInstance, events: list[CaseEvent],
                 checkpoint: AuditCheckpoint | None, definitions, calendars) -> tuple[Verdict, dict | None]:
    found = chain_problem(case, events) or stored_notices_problem(session, case, events) \
        or stored_attachments_problem(session, case, events)
    if found is None and checkpoint is not None:
        found = checkpoint_problem(run.key, case, events, checkpoint)
    found = found or definition_problem(case, events, definitions)
    if found is not None:
        return verdict_of(session, case, events, found), None
    start = {} if run.full or checkpoint is None else {
        "seq": checkpoint.seq, "state": checkpoint.state, "variables": checkpoint.variables}
    replayed = replay_from(session, case, events, definitions, calendars, **start)
    verdict = verdict_of(session, case, events, replayed.problem)
    if not verdict.ok or (checkpoint is not None and checkpoint.seq == len(events)):
        return verdict, None
    return verdict, new_checkpoint(run.key, case, events[-1], replayed.state, replayed.variables)


def checkpoint_problem(key: bytes, case: ProcessInstance, events: list[CaseEvent],
                       checkpoint: AuditCheckpoint) -> tuple[int, str] | None:
    """The checkpoint is signed with the audit key, and the events up to it are those it was signed over."""
    expected = checkpoint_signature(key, case.id, checkpoint.seq, checkpoint.event_hash, checkpoint.state_hash,
                                    variables_digest(checkpoint.variables or {}))
    if not hmac.compare_digest(expected, checkpoint.signature or ""):
        return checkpoint.seq, "审计检查点的签名无效（检查点被修改或伪造）"
    if checkpoint.seq > len(events) or events[checkpoint.seq - 1].hash != checkpoint.event_hash:
        return min(checkpoint.seq, len(events) + 1), "已核验的事件与签名的审计检查点不符（已核验的事件被改写或删除）"
    if events[checkpoint.seq - 1].state_hash != checkpoint.state_hash or \
            hashlib.sha256(checkpoint.state).hexdigest() != checkpoint.state_hash:
        return checkpoint.seq, "审计检查点保存的状态与已核验的事件不符"
    return None


def new_checkpoint(key: bytes, case: ProcessInstance, last: CaseEvent, state: bytes, variables: dict) -> dict:
    """The signed checkpoint of a case verified up to its event `last`."""
    return {"process_instance_id": case.id, "tenant_id": case.tenant_id, "seq": last.seq, "event_hash": last.hash,
            "state": state, "state_hash": last.state_hash, "variables": variables,
            "signature": checkpoint_signature(key, case.id, last.seq, last.hash, last.state_hash,
                                              variables_digest(variables)),
            "verified_at": clock.now()}
