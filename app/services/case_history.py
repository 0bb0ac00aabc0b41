"""What an auditor reads of one case: its event log, and its state at any event rebuilt by replay."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import Conflict, NotFound
from app.engine.snapshot import Snapshot, snapshot
from app.store.queries import case_events, visible_instance
from app.store.tables import CaseEvent, ProcessInstance

from .calendar_history import CalendarsInForce
from .case_data import AUDIT_EVENTS, AUDIT_STATE, CaseView, open_case
from .registry import COMMANDS
from .replay import DefinitionsAtHand, ReplayFailed, replay, started_on
from .runtime import Runtime


@dataclass
class CaseLog:
    instance: ProcessInstance
    events: list[CaseEvent]
    view: CaseView  # how the reader sees the events' data


@dataclass
class StateAt:
    """The case right after one event, as replay rebuilt it."""

    instance: ProcessInstance
    event: CaseEvent
    total: int
    snapshot: Snapshot
    matches: bool  # the rebuilt state hashes to the event's recorded state_hash
    view: CaseView  # how the reader sees the state's and the event's data
    assignees: dict[str, str] = field(default_factory=dict)

    @property
    def variables(self) -> dict:
        """The rebuilt state's variables as the reader may see them."""
        return self.view.shown(self.snapshot.variables)


def shown_event_inputs(view: CaseView, event: CaseEvent) -> tuple[dict, dict]:
    """Return an event's inputs and changed data as the reader of `view` may see them."""
    inputs = dict(event.inputs or {})
    if isinstance(inputs.get("variables"), dict):
        inputs["variables"] = view.shown(inputs["variables"])
    message = inputs.get("message")
    if isinstance(message, dict) and isinstance(message.get("variables"), dict):  # a case a message started
        inputs["message"] = {**message, "variables": view.shown(message["variables"])}
    return inputs, view.shown(event.changed or {})


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
        events = list(uow.session.scalars(case_events(instance)))
        view = open_case(uow.session, actor, instance, AUDIT_EVENTS)
        uow.commit()
        return CaseLog(instance, events, view)


def state_at(rt: Runtime, actor: Actor, case_id: str, seq: int) -> StateAt:
    """Rebuild the case up to event `seq` from its log alone and describe it."""
    with rt.unit_of_work() as uow:
        instance = _case(uow.session, actor, case_id)
        events = list(uow.session.scalars(case_events(instance)))
        if not 1 <= seq <= len(events) or events[seq - 1].seq != seq:
            raise NotFound(f"案件 {case_id} 没有事件 {seq}", field="seq")
        definitions = DefinitionsAtHand(uow.session)
        try:
            calendars = CalendarsInForce(uow.session)
            step = list(replay(definitions.engine(started_on(instance.definition_id, events)),
                               lambda moment: calendars.at(moment, instance.org_path), events[:seq],
                               definitions.engine))[-1]
        except ReplayFailed as err:
            raise Conflict(f"重放到事件 {seq} 时失败：{err}") from err
        shown = snapshot(definitions.engine(_definition_at(instance.definition_id, events, seq)), step.state,
                         step.calendar, step.event.at)
        view = open_case(uow.session, actor, instance, AUDIT_STATE.at(f"at event {seq}"))
        result = StateAt(instance, step.event, len(events), shown, step.matches, view, _assignees(events[:seq]))
        uow.commit()
        return result


def _definition_at(definition_id: str, events: list[CaseEvent], seq: int) -> str:
    """The definition the case ran on after event `seq` (the target of the last migration up to it)."""
    migrated = [e for e in events[:seq] if e.command == "migration"]
    return (migrated[-1].inputs or {})["targetProcessDefinitionId"] if migrated else started_on(definition_id, events)


def _assignees(events: list[CaseEvent]) -> dict[str, str]:
    """Who held each task after these events (claims live beside the engine state, in the log)."""
    held: dict[str, str] = {}
    for event in events:
        command = COMMANDS.get(event.command)
        if command is None or command.holds is None or "taskId" not in (event.inputs or {}):
            continue
        inputs = command.read(event.inputs)
        if command.holds and inputs.user_id:
            held[inputs.task_id] = inputs.user_id
        else:
            held.pop(inputs.task_id, None)
    return held
