"""Rebuild a case by re-running its recorded commands on the definition it ran on.

Each event holds what its command needs: the moment (Spiff's clock and task ids are seeded
from it, app/engine/determinism.py), the actor, the validated form values, message
payloads and external answers, at start the county settings the case copied, and the definition each call
that started was bound to (app/engine/binding.py), so a call runs the version it ran whatever was deployed since. Replay
never reads the clock or asks anyone; after each event the rebuilt state must hash to the
event's recorded `state_hash`. Each event runs with the working-day calendar in force at its
moment (app/services/calendar_history.py), not today's.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.audit import state_digest
from app.domain.errors import DomainError
from app.domain.workcalendar import WorkCalendar
from app.engine.binding import RecordedBinder
from app.engine.changes import Changes, Definition
from app.engine.determinism import seed_for
from app.engine.serializer import as_recorded
from app.store.tables import CaseEvent, ProcessDefinition

from .definitions import engine_definition, get_definition
from .projection import changed_variables
from .provenance import stored_digest
from .registry import COMMANDS, MIGRATION


class ReplayFailed(Exception):
    """A recorded command could not be re-run."""


@dataclass
class Step:
    """The case after one replayed event."""

    event: CaseEvent
    state: bytes
    variables: dict
    changed: dict  # what this event changed in the replayed data
    calendar: WorkCalendar  # the calendar in force at the event, which replay used
    opened: list = field(default_factory=list)  # the tasks this event opened (OpenTask), with their notice kinds
    calls: list = field(default_factory=list)  # the called instances it started, ran or ended (CallInstance)

    @property
    def matches(self) -> bool:
        return state_digest(self.state) == self.event.state_hash


def apply_event(definition: Definition, calendar: WorkCalendar, event: CaseEvent,
                state: bytes | None, resolve: Callable[[str], Definition] | None = None,
                observed: bool = True) -> Changes | None:
    """Re-run one recorded command on `state`; None when the command does not touch the engine. Not `observed`:
    the changes hold only the state, the data and completion."""
    command = COMMANDS.get(event.command)
    if command is None:
        raise ReplayFailed(f"未知的命令 {event.command}")
    if state is None and command.apply is not None and not command.starts:
        raise ReplayFailed("案件没有开始事件")
    try:
        inputs = command.read(event.inputs)
        return command.run(definition, calendar, seed_for(event.process_instance_id, event.seq, event.at), state,
                           inputs, resolve, RecordedBinder(inputs.called_definitions, resolve or _no_definitions),
                           observed)
    except DomainError as err:
        raise ReplayFailed(err.message) from err
    except KeyError as err:
        raise ReplayFailed(f"事件缺少输入 {err}") from err
    except (ValueError, TypeError, LookupError, AttributeError) as err:
        # a recorded input of the wrong kind (a task id that is null or an object, a list for an object): the
        # live path validated it, so the record was changed; the error's text may quote it, so it is not shown
        raise ReplayFailed(f"事件记录的输入不合要求（{type(err).__name__}）") from err


def _no_definitions(definition_id: str) -> Definition:
    raise ReplayFailed(f"重放需要流程定义 {definition_id}")


def replay(definition: Definition, calendar_at: Callable[[datetime], WorkCalendar],
           events: list[CaseEvent], resolve: Callable[[str], Definition] | None = None,
           state: bytes | None = None, variables: dict | None = None,
           observed: Callable[[int], bool] | None = None) -> Iterator[Step]:
    """Yield the case after each event, in order, each run with `calendar_at(event.at)`; `definition` is the one
    the case started on, and after a migration the case runs on its target (`resolve(id)`). From the start, or
    from the `state` and `variables` a verified checkpoint holds (then `events` are those after it, and
    `definition` the one the case ran on there). Given `observed`, a step whose index in `events` it refuses
    holds no `opened` or `calls` (a replay that only compares states and data saves observing them).

    Raises ReplayFailed naming nothing (the caller knows the event).
    """
    variables = variables or {}
    for index, event in enumerate(events):
        calendar = calendar_at(event.at)
        changes = apply_event(definition, calendar, event, state, resolve, observed is None or observed(index))
        if changes is not None and changes.migrated_to and resolve is not None:
            definition = resolve(changes.migrated_to)
        changed, opened, calls = {}, [], []
        if changes is not None:
            changed = changed_variables(variables, changes.variables)
            # in the form the event recorded it (a state written before the state dictionary: plain zlib)
            state = as_recorded(changes.state, event.state_hash) if changes.state is not None else None
            variables, opened, calls = changes.variables, changes.opened, changes.calls
        yield Step(event, state, variables, changed, calendar, opened, calls)


def difference(step: Step) -> str:
    """Say which variables of a replayed event differ from its record (their values are case data: an auditor
    reads them through the replayed states, masked and logged)."""
    recorded = step.event.changed or {}
    keys = sorted(set(recorded) | set(step.changed), key=str)
    diffs = [str(k) for k in keys if recorded.get(k) != step.changed.get(k)]
    if diffs:
        return "重放结果与事件记录的数据变化不符：" + "、".join(diffs[:5])
    return "重放后的流程状态（等待的活动、任务或计时器）与事件记录的状态哈希不符"


def definition_at(definition_id: str, events: list[CaseEvent], seq: int) -> str:
    """The definition the case ran on after event `seq` (the target of the last migration up to it)."""
    migrated = [e for e in events[:seq] if e.command == MIGRATION.name]
    return (migrated[-1].inputs or {})["targetProcessDefinitionId"] if migrated else started_on(definition_id, events)


def started_on(definition_id: str, events: list[CaseEvent]) -> str:
    """The definition a case started on: its own, or the source of its first migration."""
    for event in events:
        if event.command == MIGRATION.name:
            return (event.inputs or {})["sourceProcessDefinitionId"]
    return definition_id


class DefinitionsAtHand:
    """The definitions a verification run needs, read fresh from the database once per run."""

    def __init__(self, session: Session):
        self.session = session
        self._rows: dict[str, tuple[Definition, str]] = {}

    def get(self, definition_id: str) -> tuple[Definition, str]:
        """Return the engine definition and the digest of the definition as stored now."""
        if definition_id not in self._rows:
            row: ProcessDefinition = get_definition(self.session, definition_id, with_spec=True)
            self._rows[definition_id] = (engine_definition(row), stored_digest(self.session, row))
        return self._rows[definition_id]

    def engine(self, definition_id: str) -> Definition:
        """Return the engine definition alone (what replay resolves a migration's target with)."""
        return self.get(definition_id)[0]
