"""What the service keeps of each activity of a deployed process, beside SpiffWorkflow's spec.

The parser (app/engine/parser.py) reads an element's type, name and Camunda attributes into an `ActivityInfo`;
deployment pins the form and notice template versions it uses (`with_form`, `with_templates`); the engine and
the services read it. It is stored as JSON in `process_definition.activities` (activity id -> `to_json()`), and
`from_json(to_json())` gives it back unchanged.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

# JSON name -> field name, in the order the JSON has them
_NAMES = {
    "type": "type", "name": "name", "attachedTo": "attached_to",
    "candidateGroups": "candidate_groups", "candidateUsers": "candidate_users", "assignee": "assignee",
    "dueDate": "due_date", "followUpDate": "follow_up_date", "priority": "priority", "formKey": "form_key",
    "formRef": "form_ref", "topic": "topic", "taskPriority": "task_priority", "initiator": "initiator",
    "inputs": "inputs", "variables": "variables", "properties": "properties", "notice": "notice",
    "noticeKinds": "notice_kinds", "timeDate": "time_date", "message": "message", "formId": "form_id",
    "noticeTemplates": "notice_templates", "interrupting": "interrupting",
}


@dataclass(frozen=True)
class ActivityInfo:
    """One activity: its BPMN type and name and the Camunda attributes the service acts on (None: not set)."""

    type: str
    name: str
    attached_to: str | None = None  # a boundary event's activity
    candidate_groups: str | None = None  # Camunda attributes as written: texts or ${…} expressions
    candidate_users: str | None = None
    assignee: str | None = None
    due_date: str | None = None
    follow_up_date: str | None = None
    priority: str | None = None
    form_key: str | None = None
    form_ref: str | None = None
    topic: str | None = None
    task_priority: str | None = None
    initiator: str | None = None
    inputs: Mapping[str, str] | None = None  # task-local variables (camunda:inputParameter): name -> expression
    variables: tuple[str, ...] | None = None  # what an external task's worker may see, or a message may carry
    properties: Mapping[str, str | None] | None = None  # an external task's extension properties
    notice: str | None = None  # the kind of notice a handover task issues (app/engine/notice_property.py)
    notice_kinds: tuple[str, ...] | None = None  # the kinds that expression may give
    time_date: str | None = None  # a deadline timer's date, recomputed when the calendar changes
    message: str | None = None  # a message start event's message name
    form_id: str | None = None  # pinned at deployment: the form version the task uses
    notice_templates: Mapping[str, str] | None = None  # pinned at deployment: kind -> template version
    interrupting: bool | None = None  # written by earlier versions of the service, kept as stored
    extra: Mapping[str, Any] = field(default_factory=dict)  # any other key a stored definition has, kept as is

    def to_json(self) -> dict[str, Any]:
        """The stored form: the keys that are set, with Camunda's names."""
        found: dict[str, Any] = {}
        for json_name, name in _NAMES.items():
            value = getattr(self, name)
            if value is not None:
                found[json_name] = _plain(value)
        found.update(self.extra)
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ActivityInfo":
        """Read the stored form."""
        known = {_NAMES[key]: _frozen(value) for key, value in data.items() if key in _NAMES}
        extra = {key: value for key, value in data.items() if key not in _NAMES}
        return cls(**known, extra=extra)

    def with_form(self, form_id: str) -> "ActivityInfo":
        return replace(self, form_id=form_id)

    def with_templates(self, templates: Mapping[str, str]) -> "ActivityInfo":
        return replace(self, notice_templates=dict(templates))

    @property
    def form_reference(self) -> str | None:
        """The form the task names: its camunda:formRef, or its camunda:formKey."""
        return self.form_ref or self.form_key


NONE = ActivityInfo(type="", name="")  # what is known of an activity the definition does not list: nothing

Activities = Mapping[str, ActivityInfo]  # activity id -> what is known of it, for one process


def activities_from_json(stored: Mapping[str, Mapping[str, Any]]) -> dict[str, ActivityInfo]:
    """Read a process's stored activities (activity id -> JSON)."""
    return {activity_id: ActivityInfo.from_json(info) for activity_id, info in stored.items()}


def activities_to_json(activities: Activities) -> dict[str, dict[str, Any]]:
    """The stored form of a process's activities."""
    return {activity_id: info.to_json() for activity_id, info in activities.items()}


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


assert {f.name for f in fields(ActivityInfo)} == {*_NAMES.values(), "extra"}
