"""What a stored case state shows: its data, where it waits and which tasks are open."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from app.domain.workcalendar import WorkCalendar

from .activities import NONE
from .changes import Definition
from .runner import CaseRun


@dataclass
class Snapshot:
    variables: dict[str, Any]
    completed: bool
    open_tasks: list[dict[str, Any]] = field(default_factory=list)  # {id, activityId, name, kind}
    waiting: list[dict[str, Any]] = field(default_factory=list)  # {id, activityId, type, due or messageName}


def snapshot(definition: Definition, state: bytes, calendar: WorkCalendar, moment: datetime) -> Snapshot:
    """Load a state without running anything and describe it."""
    run = CaseRun(definition, calendar, moment).load(state)
    view = run._before  # what load() observed: nothing has run since
    shot = Snapshot(run.variables(), run.workflow.is_completed())
    for task_id, kind in view.open.items():
        activity_id = run.workflow.get_task_from_id(UUID(task_id)).task_spec.bpmn_id
        name = definition.activities.get(activity_id, NONE).name or activity_id
        shot.open_tasks.append({"id": task_id, "activityId": activity_id, "name": name, "kind": kind})
    shot.waiting.extend({"id": task_id, "activityId": activity_id, "type": "timer", "due": due}
                        for task_id, (activity_id, due) in view.timers.items())
    shot.waiting.extend({"id": task_id, "activityId": activity_id, "type": "message", "messageName": message}
                        for (task_id, message), activity_id in view.subscriptions.items())
    return shot
