"""What one command did to a case, in terms the service's tables understand, and what the engine needs of a
definition."""

import base64
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from .activities import NONE, Activities, ActivityInfo, activities_from_json


@dataclass(frozen=True)
class Definition:
    """What the engine needs of a deployed process definition: its stored spec (with the call bundle of the
    processes it calls, app/engine/calls.py) and what is known of each of its activities."""

    id: str
    spec: dict[str, Any]
    activities: Activities

    @classmethod
    def stored(cls, definition_id: str, spec: dict[str, Any], activities: Mapping[str, Any]) -> "Definition":
        """The definition as stored: its activities as JSON."""
        return cls(definition_id, spec, activities_from_json(activities))

    @property
    def key(self) -> str:
        """The process's key (its BPMN id)."""
        return str(self.spec["spec"]["name"])

    @property
    def starts_by_hand(self) -> bool:
        """Whether the process has a none start event (a start event with no trigger), where a start by hand or by
        key begins; one with only message, timer or signal starts is started by its trigger (as in Camunda 7)."""
        return any(spec.get("typename") == "StartEvent"
                   and (spec.get("event_definition") or {}).get("typename") == "NoneEventDefinition"
                   for spec in self.spec["spec"]["task_specs"].values())

    @cached_property
    def called(self) -> dict[str, Activities]:
        """The activities of each process this one calls, directly or not (process key -> activities)."""
        return {key: activities_from_json(stored) for key, stored in (self.spec.get("called") or {}).items()}

    @cached_property
    def start_events(self) -> dict[str, str]:
        """The process's own start events (not a subprocess's): id -> SpiffWorkflow's event definition type
        (`NoneEventDefinition` for a none start event, which `…/start` starts at)."""
        specs = self.spec["spec"]["task_specs"]
        found = {}
        for name in specs.get("Start", {}).get("outputs", []):
            split = specs[name]
            for event in split["outputs"] if split["typename"] == "StartEventSplit" else [name]:
                found[event] = specs[event].get("event_definition", {}).get("typename", "")
        return found

    def activity(self, activity_id: str) -> ActivityInfo:
        """Return what is known of an activity of this process, or of a process it calls."""
        for group in (self.activities, *self.called.values()):
            if activity_id in group:
                return group[activity_id]
        return NONE


@dataclass(frozen=True)
class OpenTask:
    """A user or external task that opened, with its activity's attributes evaluated on the case data."""

    id: str
    activity_id: str
    name: str
    kind: str  # "user" or "external"
    candidate_groups: list[str] = field(default_factory=list)
    assignee: str | None = None
    due: str | None = None
    follow_up: str | None = None
    priority: int = 50
    form_key: str | None = None
    topic: str | None = None
    provisional: bool = False
    local: dict[str, Any] = field(default_factory=dict)  # task-local variables (camunda:inputParameter)
    notice: str | None = None  # the kind of notice of a decision the task hands over (app/engine/notice_property.py)
    instance: str | None = None  # the called process instance it belongs to (None: the case itself)


@dataclass(frozen=True)
class Timer:
    """A timer that waits (or waits again) until `due`."""

    id: str
    activity_id: str
    due: str
    provisional: bool = False  # a deadline counted past the known calendar (app/engine/timer_dates.py)
    instance: str | None = None  # the called process instance it belongs to (None: the case itself)
    again: bool = False  # it waited before this command: a cycle's next time, or its activity renamed (migration)
    job_type: str = "timer-intermediate-transition"  # Camunda's job definition type (timer-transition: a boundary)
    configuration: str | None = None  # Camunda's job definition configuration: "DURATION: P8D", "CYCLE: R3/PT1H"…


@dataclass(frozen=True)
class Subscription:
    """A task that waits for a message, or a signal."""

    id: str
    activity_id: str
    message: str  # the message's (or signal's) name
    kind: str = "message"  # or "signal": Camunda's eventType
    instance: str | None = None  # the called process instance it belongs to (None: the case itself)


@dataclass(frozen=True)
class Activity:
    """An activity instance that started, ended or was cancelled."""

    id: str
    activity_id: str
    name: str
    type: str
    instance: str | None = None  # the called process instance it belongs to (None: the case itself)


@dataclass(frozen=True)
class CallInstance:
    """A process instance a call activity started, run inside its case's workflow and shown as an instance of its
    own (Camunda's sub process instance): its id is the call activity instance's."""

    id: str
    super_id: str | None  # the instance whose call activity started it (None: the case itself)
    key: str  # the called process
    activity_id: str  # the call activity in the calling process
    state: str  # ACTIVE | COMPLETED | EXTERNALLY_TERMINATED
    variables: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None  # camunda:in businessKey
    business_key_of_super: bool = False  # camunda:in businessKey="#{execution.processBusinessKey}"
    started: bool = False  # started by this command
    definition_id: str | None = None  # the version it runs, when bound as the call started (app/engine/binding.py)


@dataclass(frozen=True)
class Changes:
    """The effect of one command, in terms the service's tables understand."""

    state: bytes
    variables: dict[str, Any]
    completed: bool
    opened: list[OpenTask] = field(default_factory=list)
    closed: list[tuple[str, str]] = field(default_factory=list)  # (task id, kind)
    timers_set: list[Timer] = field(default_factory=list)
    timers_cleared: list[str] = field(default_factory=list)
    subscribed: list[Subscription] = field(default_factory=list)
    unsubscribed: list[tuple[str, str]] = field(default_factory=list)  # (task id, message)
    started: list[Activity] = field(default_factory=list)
    ended: list[Activity] = field(default_factory=list)
    cancelled: list[Activity] = field(default_factory=list)
    escalated: str | None = None  # a non-interrupting boundary timer that fired: its activity id
    late_task: tuple[str, str] | None = None  # (activity id, task id) the escalated timer is attached to
    terminated: bool = False  # the case was cancelled from outside
    migrated_to: str | None = None  # the case continues on this definition (a migration)
    declared: dict[str, str] = field(default_factory=dict)  # variable -> Camunda type its JSON does not say (Date)
    calls: list[CallInstance] = field(default_factory=list)  # called instances started, running or ended

    def to_json(self) -> dict[str, Any]:
        """The changes as JSON (the state in base64)."""
        found = asdict(self)
        found["state"] = base64.b64encode(self.state).decode("ascii")
        plain: dict[str, Any] = json.loads(json.dumps(found))  # tuples as lists, as JSON has them
        return plain

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Changes":
        """Read changes written by `to_json`."""
        late = data.get("late_task")
        return cls(
            base64.b64decode(data["state"]), dict(data["variables"]), data["completed"],
            opened=[OpenTask(**o) for o in data.get("opened", ())], closed=[(t, k) for t, k in data.get("closed", ())],
            timers_set=[Timer(**t) for t in data.get("timers_set", ())],
            timers_cleared=list(data.get("timers_cleared", ())),
            subscribed=[Subscription(**s) for s in data.get("subscribed", ())],
            unsubscribed=[(t, m) for t, m in data.get("unsubscribed", ())],
            started=[Activity(**a) for a in data.get("started", ())],
            ended=[Activity(**a) for a in data.get("ended", ())],
            cancelled=[Activity(**a) for a in data.get("cancelled", ())],
            escalated=data.get("escalated"), late_task=(late[0], late[1]) if late else None,
            terminated=data.get("terminated", False), migrated_to=data.get("migrated_to"),
            declared=dict(data.get("declared") or {}),
            calls=[CallInstance(**c) for c in data.get("calls", ())])
