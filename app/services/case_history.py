"""What an auditor reads of one case: its event log, and its state at any event rebuilt by replay."""

from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import Conflict, NotFound
from app.engine.binding import RecordedBinder
from app.engine.snapshot import Snapshot, snapshot
from app.store.queries import case_events
from app.store.tables import CaseEvent, ProcessInstance, chain_hashes

from .calendar_history import CalendarsInForce
from .case_data import AUDIT_EVENTS, AUDIT_STATE, CaseView, case_in_scope, open_case
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
    """Return an event's inputs and changed data as the reader of `view` may see them; a record that is not an
    object (only a rewritten log holds one: its verification fails at that event) is shown empty, since its values
    cannot be masked field by field."""
    inputs = dict(event.inputs) if isinstance(event.inputs, dict) else {}
    if isinstance(inputs.get("variables"), dict):
        inputs["variables"] = view.shown(inputs["variables"])
    message = inputs.get("message")
    if isinstance(message, dict) and isinstance(message.get("variables"), dict):  # a case a message started
        inputs["message"] = {**message, "variables": view.shown(message["variables"])}
    return inputs, view.shown(event.changed if isinstance(event.changed, dict) else {})


def _case(session: Session, actor: Actor, case_id: str) -> ProcessInstance:
    actor.require("audit.verify")
    return case_in_scope(session, actor, case_id)


def _log_of(session: Session, instance: ProcessInstance) -> ProcessInstance:
    """The case whose log recorded what moved `instance`: itself, or for a process instance a call activity started,
    the case whose workflow runs it (app/services/called_instances.py)."""
    if instance.root_process_instance_id is None:
        return instance
    root = session.get(ProcessInstance, instance.root_process_instance_id)
    if root is None:
        raise NotFound(f"流程实例 {instance.id} 的根流程实例 {instance.root_process_instance_id} 不存在", field="id")
    return root


def _view(session: Session, actor: Actor, instance: ProcessInstance, log: ProcessInstance, purpose) -> CaseView:
    """How the reader sees the log's data: a called instance's as both its own process and its case mask it."""
    view = open_case(session, actor, instance, purpose)
    if log is instance:
        return view
    case = open_case(session, actor, log, purpose)
    return replace(view, marks={**case.marks, **view.marks}, masked=view.masked or case.masked)


def case_log(rt: Runtime, actor: Actor, case_id: str) -> CaseLog:
    """Return a case's events in order; the read is logged (events carry the submitted data). A called instance's
    are its case's: the commands that moved it are recorded there."""
    with rt.unit_of_work() as uow:
        instance = _case(uow.session, actor, case_id)
        log = _log_of(uow.session, instance)
        events = chain_hashes(list(uow.session.scalars(case_events(log))))  # each shown with the hash before it
        view = _view(uow.session, actor, instance, log, AUDIT_EVENTS)
        uow.commit()
        return CaseLog(instance, events, view)


def state_at(rt: Runtime, actor: Actor, case_id: str, seq: int) -> StateAt:
    """Rebuild the case up to event `seq` from its log alone and describe it."""
    with rt.unit_of_work() as uow:
        instance = _case(uow.session, actor, case_id)
        log = _log_of(uow.session, instance)
        events = chain_hashes(list(uow.session.scalars(case_events(log))))  # each shown with the hash before it
        if not 1 <= seq <= len(events) or events[seq - 1].seq != seq:
            raise NotFound(f"案件 {case_id} 没有事件 {seq}", field="seq")
        definitions = DefinitionsAtHand(uow.session)
        try:
            calendars = CalendarsInForce(uow.session)
            steps = list(replay(definitions.engine(started_on(log.definition_id, events)),
                                lambda moment: calendars.at(moment, log.org_path), events[:seq],
                                definitions.engine))
        except ReplayFailed as err:
            raise Conflict(f"重放到事件 {seq} 时失败：{err}") from err
        step = steps[-1]
        shown = snapshot(definitions.engine(_definition_at(log.definition_id, events, seq)), step.state,
                         step.calendar, step.event.at, None if log is instance else instance.id,
                         RecordedBinder(None, definitions.engine))
        if log is not instance:
            shown = _as_reported(shown, instance.id, steps)
        view = _view(uow.session, actor, instance, log, AUDIT_STATE.at(f"at event {seq}"))
        result = StateAt(instance, step.event, len(events), shown, step.matches, view, _assignees(events[:seq]))
        uow.commit()
        return result


def _as_reported(shown: Snapshot, instance_id: str, steps: list) -> Snapshot:
    """A called instance's data and end as its case's commands last reported them up to the step (as its row keeps
    them): a call cancelled with its branch is gone from the case's state, not from its history."""
    last = next((call for step in reversed(steps) for call in step.calls if call.id == instance_id), None)
    if last is None:
        return shown
    return replace(shown, variables=last.variables, completed=shown.completed or last.state != "ACTIVE")


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
