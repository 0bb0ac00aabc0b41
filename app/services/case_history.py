"""What an auditor reads of one case: its event log, and its state at any event rebuilt by replay."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import Conflict, NotFound
from app.engine.snapshot import Snapshot, snapshot
from app.store.queries import case_events, visible_instance
from app.store.tables import CaseEvent, ProcessInstance

from .access_log import record_read, shown_data
from .calendar_history import CalendarsInForce
from .replay import DefinitionsAtHand, ReplayFailed, replay
from .runtime import Runtime


@dataclass
class CaseLog:
    instance: ProcessInstance
    events: list[CaseEvent]


@dataclass
class StateAt:
    """The case right after one event, as replay rebuilt it."""

    instance: ProcessInstance
    event: CaseEvent
    total: int
    snapshot: Snapshot
    matches: bool  # the rebuilt state hashes to the event's recorded state_hash
    assignees: dict[str, str] = field(default_factory=dict)


def shown_event_inputs(actor: Actor, event: CaseEvent) -> tuple[dict, dict]:
    """Return an event's inputs and changed data with personal fields masked for this actor."""
    inputs = dict(event.inputs or {})
    if isinstance(inputs.get("variables"), dict):
        inputs["variables"] = shown_data(actor, inputs["variables"])
    return inputs, shown_data(actor, event.changed or {})


def _case(session: Session, actor: Actor, case_id: str) -> ProcessInstance:
    actor.require("audit.verify")
    instance = visible_instance(session, actor, case_id)
    if instance is None:
        raise NotFound(f"案件 {case_id} 不存在", field="id")
    return instance


def case_log(rt: Runtime, actor: Actor, case_id: str) -> CaseLog:
    """Return a case's events in order; the read is logged (events carry the submitted data)."""
    with rt.unit_of_work() as uow:
        instance = _case(uow.session, actor, case_id)
        events = list(uow.session.scalars(case_events(instance.id)))
        record_read(uow.session, actor, instance, "audit events")
        uow.commit()
        return CaseLog(instance, events)


def state_at(rt: Runtime, actor: Actor, case_id: str, seq: int) -> StateAt:
    """Rebuild the case up to event `seq` from its log alone and describe it."""
    with rt.unit_of_work() as uow:
        instance = _case(uow.session, actor, case_id)
        events = list(uow.session.scalars(case_events(instance.id)))
        if not 1 <= seq <= len(events) or events[seq - 1].seq != seq:
            raise NotFound(f"案件 {case_id} 没有事件 {seq}", field="seq")
        definition, _ = DefinitionsAtHand(uow.session).get(instance.definition_id)
        try:
            calendars = CalendarsInForce(uow.session)
            step = list(replay(definition, lambda moment: calendars.at(moment, instance.org_path), events[:seq]))[-1]
        except ReplayFailed as err:
            raise Conflict(f"重放到事件 {seq} 时失败：{err}") from err
        shown = snapshot(definition, step.state, step.calendar, step.event.at)
        result = StateAt(instance, step.event, len(events), shown, step.matches, _assignees(events[:seq]))
        record_read(uow.session, actor, instance, f"audit state at event {seq}")
        uow.commit()
        return result


def _assignees(events: list[CaseEvent]) -> dict[str, str]:
    """Who held each task after these events (claims live beside the engine state, in the log)."""
    held: dict[str, str] = {}
    for event in events:
        task_id = (event.inputs or {}).get("taskId")
        if event.command == "claim" and task_id:
            held[task_id] = event.inputs.get("userId")
        elif event.command in ("unclaim", "complete") and task_id:
            held.pop(task_id, None)
    return held
