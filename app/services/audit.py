"""Verify that a case's history proves itself: an intact hash chain, its definition, a replay to its state."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from app.domain.actors import Actor
from app.domain.audit import AuditKeys, state_digest, variables_digest
from app.domain.errors import DomainError
from app.domain.kept import Kept
from app.store.queries import case_events
from app.store.tables import AuditCheckpoint, CaseEvent, HistoryActivity, ProcessInstance
from app.store.tenancy import in_scope

from .attachment_audit import stored_attachments_problem
from .calendar_history import CalendarsInForce
from .case_data import case_in_scope, scrubbed
from .case_row_audit import case_row_problem
from .notice_audit import replayed_notice_problem, stored_notices_problem
from .notices import COMMAND as NOTICE
from .projection import hash_of
from .replay import DefinitionsAtHand, ReplayFailed, definition_at, difference, replay, started_on
from .runtime import Runtime


@dataclass
class Verdict:
    case_id: str
    ok: bool
    events: int
    first_bad_event: int | None = None
    problem: str | None = None
    # the id (app/domain/audit.py key_id) of the retired audit key whose signature held where the current key's did
    # not: the case's checkpoint's (which the verification then signs again with the current key), an archive's
    retired_key: str | None = None


def verify_instance(session, instance: ProcessInstance, key: bytes | AuditKeys,
                    definitions: DefinitionsAtHand | None = None,
                    calendars: CalendarsInForce | None = None, replayed: "ReplayedWhole | None" = None) -> Verdict:
    """Check the chain and the case's signed checkpoint (under the audit `key`), as the nightly run does, then (given
    definitions and calendar history) the definition used and a full replay (not again for a case `replayed` holds
    as replayed whole over the very same events, state and data). A process instance a call activity started has
    no log of its own: its case's log, which recorded every command that moved it, is verified for it."""
    if instance.root_process_instance_id is not None:
        return _verify_called(session, instance, key, definitions, calendars, replayed)
    events = list(session.scalars(case_events(instance)))
    found = chain_problem(instance, events) or stored_notices_problem(session, instance, events) \
        or stored_attachments_problem(session, instance, events) or _checkpoint_problem(session, key, instance, events)
    if found is None and definitions is not None:
        found = definition_problem(instance, events, definitions)
        whole = ReplayedWhole.key(instance, events)
        if found is None and (replayed is None or not replayed.holds(whole)):
            found = replay_from(session, instance, events, definitions, calendars).problem
            if found is None and replayed is not None:
                replayed.keep(whole)
    return verdict_of(session, instance, events, found)


class ReplayedWhole:
    """The cases this process replayed and found whole, by what was replayed: the case, its chain's last hash (the
    chain was checked, so it stands for every event's content), the state it names and the case's data. A replay
    is deterministic, so the same events over the same state and data replay the same; anything changed is a new
    key and is replayed. Bounded: the oldest are forgotten first."""

    def __init__(self, size: int = 2000):
        self.kept = Kept[tuple, bool](size)

    @staticmethod
    def key(instance: ProcessInstance, events: list[CaseEvent]) -> tuple:
        return (instance.id, len(events), instance.last_event_hash, events[-1].state_hash if events else None,
                variables_digest(instance.variables or {}))

    def holds(self, key: tuple) -> bool:
        return self.kept.get(key) is not None

    def keep(self, key: tuple) -> None:
        self.kept.put(key, True)


_replayed_whole = ReplayedWhole()  # the auditor's pages open one case many times between its changes


def _checkpoint_problem(session, key: bytes | AuditKeys, instance: ProcessInstance,
                        events: list[CaseEvent]) -> tuple[int, str] | None:
    """What the case's signed checkpoint, if it has one, says against its events, state and data."""
    from .verification import checkpoint_problem, row_problem, saved_at, stored_rows  # it builds on this module

    checkpoint = session.get(AuditCheckpoint, instance.id)
    if checkpoint is None:
        return None
    return checkpoint_problem(key, instance, events, checkpoint, *saved_at(instance, checkpoint)) or \
        row_problem(checkpoint, events, stored_rows(session, [instance.id])[instance.id])


def _verify_called(session, instance: ProcessInstance, key: bytes | AuditKeys, definitions: DefinitionsAtHand | None,
                   calendars: CalendarsInForce | None, replayed: "ReplayedWhole | None") -> Verdict:
    root = session.get(ProcessInstance, instance.root_process_instance_id)
    if root is None:
        return Verdict(instance.id, False, 0, 1, f"根流程实例 {instance.root_process_instance_id} 不存在")
    verdict = verify_instance(session, root, key, definitions, calendars, replayed)
    started = session.scalar(select(HistoryActivity.id).where(
        HistoryActivity.id == instance.id, HistoryActivity.process_instance_id == instance.super_process_instance_id,
        HistoryActivity.activity_type == "callActivity"))
    if verdict.ok and started is None:
        return Verdict(instance.id, False, verdict.events, None,
                       f"上级流程实例 {instance.super_process_instance_id} 没有启动它的调用活动")
    problem = f"根流程实例 {root.id}：{verdict.problem}" if verdict.problem else None
    return Verdict(instance.id, verdict.ok, verdict.events, verdict.first_bad_event, problem)


def verdict_of(session, instance: ProcessInstance, events: list[CaseEvent], found: tuple[int, str] | None) -> Verdict:
    """The verdict on a case: ok, or the first bad event and the problem, quoting none of the case's data."""
    if found is not None:
        given = [event.inputs.get("variables") for event in events if isinstance(event.inputs, dict)]
        problem = scrubbed(session, instance.definition_id, found[1], instance.variables or {},  # may quote one
                           *(g for g in given if isinstance(g, dict)))
        return Verdict(instance.id, False, len(events), found[0], problem)
    return Verdict(instance.id, True, len(events))


def chain_problem(instance: ProcessInstance, events: list[CaseEvent],
                  recorded_previous: list[str | None] | None = None) -> tuple[int, str] | None:
    """Sequence, content hashes, chaining, the case's last hash, its stored state and the row's other columns
    (`case_row_problem`: business key, starter, definition, county, suspension, end, as the log records them).

    Each event's hash is recomputed over its content and the hash of the event before it (the database keeps no
    copy of that: migration 0039), so an event edited, removed, inserted or moved breaks the hash of the first
    event after it that is not re-hashed. `recorded_previous`: the previous hash each event records where a copy
    keeps one (an archive file), which must be the previous event's hash too."""
    previous = None
    for expected, event in enumerate(events, start=1):
        recorded = previous if recorded_previous is None else recorded_previous[expected - 1]
        problem = _event_problem(event, expected, previous, recorded)
        if problem:
            return min(expected, event.seq), problem
        previous = event.hash
    if instance.last_event_hash != previous:
        return len(events) + 1, "案件记录的最后事件哈希与日志不符（日志末尾的事件缺失）"
    if not events or events[-1].state_hash != state_digest(instance.workflow):
        return len(events), "存储的案件状态与最后事件记录的状态不符"
    return case_row_problem(instance, events)


def missing_definition(instance: ProcessInstance, events: list[CaseEvent],
                       definitions: DefinitionsAtHand) -> str | None:
    """The problem when a definition the case ran on (it started on, it is on) is no longer in the database."""
    for wanted in dict.fromkeys((started_on(instance.definition_id, events), instance.definition_id)):
        try:
            definitions.get(wanted)
        except DomainError:
            return f"案件所用的流程定义 {wanted} 已不存在（部署被删除）"
    return None


def definition_problem(instance: ProcessInstance, events: list[CaseEvent],
                        definitions: DefinitionsAtHand) -> tuple[int, str] | None:
    missing = missing_definition(instance, events, definitions)
    if missing is not None:
        return 1, missing
    started = started_on(instance.definition_id, events)
    recorded = (events[0].inputs or {}).get("definitionDigest")
    _, digest = definitions.get(started)
    if recorded is not None and recorded != digest:
        return 1, f"案件所用的流程定义 {started} 与案件开始时记录的不符（部署被修改）"
    return None


@dataclass
class Replayed:
    """What replaying a case's events found, and the state and data it reached (where a checkpoint can be kept)."""

    problem: tuple[int, str] | None
    state: bytes | None = None
    variables: dict | None = None


def replay_from(session, instance: ProcessInstance, events: list[CaseEvent], definitions: DefinitionsAtHand,
                calendars: CalendarsInForce, seq: int = 0, state: bytes | None = None,
                variables: dict | None = None) -> Replayed:
    """Replay the events after `seq` (0: all of them) from the `state` and `variables` reached at `seq`."""
    definition, _ = definitions.get(definition_at(instance.definition_id, events, seq))
    later = events[seq:]
    # the tasks an event opened are needed only where a notice follows it (issued for one of them)
    steps = replay(definition, lambda moment: calendars.at(moment, instance.org_path), later, definitions.engine,
                   state, variables, lambda index: index + 1 < len(later) and later[index + 1].command == NOTICE)
    opened, variables = [], variables or {}
    for event in later:
        try:
            step = next(steps)
        except ReplayFailed as err:
            return Replayed((event.seq, f"重放事件 {event.seq}（{event.command}）失败：{err}"))
        if not step.matches:
            return Replayed((event.seq, difference(step)))
        state, variables = step.state, step.variables
        if event.command != NOTICE:
            opened = step.opened  # the tasks the notices that follow were issued for
            continue
        problem = replayed_notice_problem(session, instance, event, opened, step.variables)
        if problem:
            return Replayed((event.seq, problem))
    if events and variables != (instance.variables or {}):
        keys = sorted(k for k in set(variables) | set(instance.variables or {})
                      if variables.get(k) != (instance.variables or {}).get(k))
        return Replayed((len(events), f"存储的案件数据与重放结果不符：{', '.join(keys[:5])}"))
    return Replayed(None, state, variables)


def _event_problem(event: CaseEvent, expected: int, previous: str | None, recorded: str | None) -> str | None:
    if event.seq != expected:
        return f"事件序号不连续：应为 {expected}，实为 {event.seq}（事件缺失）"
    if recorded != previous:
        return "事件的前序哈希与上一事件不符"
    if hash_of(event, previous) != event.hash:
        return "事件内容与其哈希不符（事件或其前一事件被修改）"
    return None


def verify_case(rt: Runtime, actor: Actor, case_id: str, key: bytes | AuditKeys) -> Verdict:
    """Verify one case in the actor's scope: chain, checkpoint (signed with the audit `key`), definition, replay."""
    actor.require("audit.verify")
    with rt.reading(snapshot=True) as uow:  # the case and its events as of one moment, whatever runs meanwhile
        instance = case_in_scope(uow.session, actor, case_id)
        return verify_instance(uow.session, instance, key, DefinitionsAtHand(uow.session),
                               CalendarsInForce(uow.session), _replayed_whole)


def verify_all(rt: Runtime, actor: Actor, key: bytes | AuditKeys, batch: int = 500) -> Iterator[Verdict]:
    """Verify every case in the actor's scope (checkpoints signed with the audit `key`), a batch of cases per unit
    of work."""
    actor.require("audit.verify")
    last, calendars = "", None
    while True:
        with rt.reading(snapshot=True) as uow:  # each case and its events as of one moment
            cases = list(uow.session.scalars(
                select(ProcessInstance).where(in_scope(ProcessInstance, actor),
                                              ProcessInstance.root_process_instance_id.is_(None),  # in its case's
                                              ProcessInstance.id > last)
                .order_by(ProcessInstance.id).limit(batch)))
            if not cases:
                return
            definitions = DefinitionsAtHand(uow.session)
            calendars = calendars or CalendarsInForce(uow.session)  # read once, built once per version
            verdicts = [verify_instance(uow.session, case, key, definitions, calendars) for case in cases]
            last = cases[-1].id
        yield from verdicts


def count_cases(rt: Runtime, actor: Actor) -> int:
    with rt.reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProcessInstance)
                                  .where(in_scope(ProcessInstance, actor),
                                         ProcessInstance.root_process_instance_id.is_(None))) or 0
