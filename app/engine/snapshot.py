"""What a stored case state shows: its data, where it waits and which tasks are open."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException

from app.domain.workcalendar import WorkCalendar

from .activities import NONE
from .binding import Binder
from .calls import instance_of
from .changes import Definition
from .observe import FINISHED, case_data
from .runner import CaseRun


@dataclass
class Snapshot:
    variables: dict[str, Any]
    completed: bool
    open_tasks: list[dict[str, Any]] = field(default_factory=list)  # {id, activityId, name, kind}
    waiting: list[dict[str, Any]] = field(default_factory=list)  # {id, activityId, type, due or messageName}


def snapshot(definition: Definition, state: bytes, calendar: WorkCalendar, moment: datetime,
             instance: str | None = None, binder: Binder | None = None) -> Snapshot:
    """Load a state without running anything and describe it: the case's, or (`instance`) that of the process
    instance one of its call activities started, whose data, tasks and waits are its own."""
    run = CaseRun(definition, calendar, moment, binder=binder).load(state)
    view = run._before  # what load() observed: nothing has run since
    called = run.called

    def own(task_id: str) -> bool:
        return instance is None or instance_of(run.workflow.get_task_from_id(UUID(task_id)), called) == instance

    shot = Snapshot(run.variables(), run.workflow.is_completed()) if instance is None else _called(run, instance)
    for task_id, kind in view.open.items():
        if not own(task_id):
            continue
        task = run.workflow.get_task_from_id(UUID(task_id))
        activity_id = task.task_spec.bpmn_id
        name = run.activities_of(task).get(activity_id, NONE).name or activity_id
        shot.open_tasks.append({"id": task_id, "activityId": activity_id, "name": name, "kind": kind})
    shot.waiting.extend({"id": task_id, "activityId": activity_id, "type": "timer", "due": due}
                        for task_id, (activity_id, due) in view.timers.items() if own(task_id))
    shot.waiting.extend({"id": task_id, "activityId": activity_id, "type": "message", "messageName": message}
                        for (task_id, message), activity_id in view.subscriptions.items() if own(task_id))
    return shot


def _called(run: CaseRun, instance: str) -> Snapshot:
    """A called instance's data and whether it has ended (nothing, before its call activity started it)."""
    workflow = run.workflow
    sub = workflow.subprocesses.get(UUID(instance))
    try:
        call = workflow.get_task_from_id(UUID(instance))
    except TaskNotFoundException:
        call = None
    ended = workflow.is_completed() or (call is not None and bool(call.state & FINISHED))
    return Snapshot(case_data(sub, run.called) if sub is not None else {}, ended)
