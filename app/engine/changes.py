"""What one command did to a case, in terms the service's tables understand, and what the engine needs of a
definition."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Definition:
    """What the engine needs of a deployed process definition."""

    id: str
    spec: dict[str, Any]
    activities: dict[str, dict[str, Any]]

    def activity(self, activity_id: str) -> dict[str, Any]:
        """Return the attributes of an activity of this process, or of a process it calls."""
        for group in (self.activities, *(self.spec.get("called") or {}).values()):
            if activity_id in group:
                found: dict[str, Any] = group[activity_id]
                return found
        return {}


@dataclass
class OpenTask:
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


@dataclass
class Timer:
    id: str
    activity_id: str
    due: str
    provisional: bool = False  # a deadline counted past the known calendar (app/engine/timer_dates.py)


@dataclass
class Subscription:
    id: str
    activity_id: str
    message: str


@dataclass
class Activity:
    id: str
    activity_id: str
    name: str
    type: str


@dataclass
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
    unsubscribed: list[tuple[str, str]] = field(default_factory=list)
    started: list[Activity] = field(default_factory=list)
    ended: list[Activity] = field(default_factory=list)
    cancelled: list[Activity] = field(default_factory=list)
    escalated: str | None = None  # a non-interrupting boundary timer that fired: its activity id
    late_task: tuple[str, str] | None = None  # (activity id, task id) the escalated timer is attached to
    terminated: bool = False  # the case was cancelled from outside
    migrated_to: str | None = None  # the case continues on this definition (a migration)
