"""What a workflow has open, waiting and subscribed, and its case data, read off its tasks; how Camunda names
its activities.

A command compares the view before and after it runs (app/engine/runner.py) to report its changes.
"""

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from .expressions import to_storable
from .specs import ExternalServiceTask

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR


@dataclass(frozen=True)
class View:
    """What a case's workflows show at one moment: the tasks the service tracks, and what waits for what."""

    tasks: dict[str, int] = field(default_factory=dict)  # id -> state
    open: dict[str, str] = field(default_factory=dict)  # id -> kind ("user" or "external")
    timers: dict[str, tuple[str, str]] = field(default_factory=dict)  # task id -> (activity_id, due)
    subscriptions: dict[tuple[str, str], str] = field(default_factory=dict)  # (task id, message) -> activity_id
    signals: dict[tuple[str, str], str] = field(default_factory=dict)  # (task id, signal) -> activity_id


def view_of(workflows: Any) -> View:
    """Return the BPMN tasks of `workflows` that are active or finished, the open ones, and what waiting ones await."""
    view = View()
    for wf in workflows:
        for task in wf.tasks.values():
            spec = task.task_spec
            if getattr(spec, "bpmn_id", None) is None or task.state & (ACTIVE | FINISHED) == 0:
                continue
            view.tasks[str(task.id)] = task.state
            if task.state == TaskState.READY and spec.manual:
                view.open[str(task.id)] = "external" if isinstance(spec, ExternalServiceTask) else "user"
            elif task.state == TaskState.WAITING and isinstance(spec, CatchingEvent):
                _observe_event(task, view)
    return view


def _observe_event(task: Any, view: View) -> None:
    for activity_id, definition in caught_events(task):
        if isinstance(definition, TimerEventDefinition):
            detail = task._get_internal_data("event_value")
            if isinstance(detail, dict):
                detail = detail.get("next") if detail.get("cycles") else None
            if isinstance(detail, str):
                view.timers[str(task.id)] = (activity_id, detail)
        elif isinstance(definition, MessageEventDefinition):
            view.subscriptions[(str(task.id), definition.name)] = activity_id
        elif isinstance(definition, SignalEventDefinition):
            view.signals[(str(task.id), definition.name)] = activity_id


def caught_events(task: Any) -> list[tuple[str, object]]:
    """Return (activity id, event definition) for each event a waiting task listens for."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        outputs = spec.outputs if len(spec.outputs) == len(definition.event_definitions) else None
        return [((outputs[i].bpmn_id if outputs else spec.bpmn_id), d)
                for i, d in enumerate(definition.event_definitions)]
    return [(spec.bpmn_id, definition)] if definition is not None else []


def attached_task(boundary_task: Any) -> tuple[str, str] | None:
    """Return (activity id, task id) of the activity a boundary event task is attached to."""
    siblings = [t for t in boundary_task.parent.children if not isinstance(t.task_spec, BoundaryEvent)]
    return (siblings[0].task_spec.bpmn_id, str(siblings[0].id)) if siblings else None


def interrupted(task: Any) -> bool:
    """Whether an interrupting boundary event of the activity `task` fired: the activity ends cancelled, as in
    Camunda, also when what fired it (an escalation or error end event) ended the activity's subprocess."""
    siblings = task.parent.children if task.parent is not None else []
    return not isinstance(task.task_spec, BoundaryEvent) and any(
        isinstance(t.task_spec, BoundaryEvent) and t.task_spec.cancel_activity
        and t.state & (TaskState.READY | TaskState.COMPLETED) for t in siblings)


def message_of(task: Any) -> str | None:
    definition = getattr(task.task_spec, "event_definition", None)
    return definition.name if isinstance(definition, MessageEventDefinition) else None


_TIMER_CONFIGURATIONS = {"TimeDateEventDefinition": "DATE", "DurationTimerEventDefinition": "DURATION",
                         "CycleTimerEventDefinition": "CYCLE"}


def timer_job(spec: Any) -> tuple[str, str | None]:
    """Camunda's job definition type and configuration of a timer event's job: the type by where the event sits, the
    configuration its kind and expression as written ("DURATION: P8D")."""
    definition = getattr(spec, "event_definition", None)
    kind = _TIMER_CONFIGURATIONS.get(type(definition).__name__)
    configuration = f"{kind}: {definition.expression}" if kind and definition is not None else None
    if isinstance(spec, BoundaryEvent):
        return "timer-transition", configuration
    if isinstance(spec, StartEvent):  # in a running case only an event subprocess's start waits on a timer
        return "timer-start-event-subprocess", configuration
    return "timer-intermediate-transition", configuration


def activity_id(spec: Any) -> str:
    """Camunda names the body of a multi-instance or loop activity `<activity id>#multiInstanceBody`."""
    return f"{spec.bpmn_id}#multiInstanceBody" if isinstance(spec, LoopTask) else spec.bpmn_id


# Camunda's ActivityTypes for events, by where the event sits and what it catches or throws
_EVENT_TYPES = {
    ("StartEvent", "Timer"): "startTimerEvent", ("StartEvent", "Message"): "messageStartEvent",
    ("StartEvent", "Error"): "errorStartEvent", ("StartEvent", "Escalation"): "escalationStartEvent",
    ("StartEvent", "Signal"): "signalStartEvent", ("StartEvent", "Conditional"): "conditionalStartEvent",
    ("EndEvent", "Error"): "errorEndEvent", ("EndEvent", "Terminate"): "terminateEndEvent",
    ("EndEvent", "Escalation"): "escalationEndEvent", ("EndEvent", "Cancel"): "cancelEndEvent",
    ("EndEvent", "Compensation"): "compensationEndEvent",
    ("IntermediateCatchEvent", "Link"): "intermediateLinkCatch",
    ("IntermediateCatchEvent", "Signal"): "intermediateSignalCatch",
    ("IntermediateThrowEvent", "Escalation"): "intermediateEscalationThrowEvent",
    ("IntermediateThrowEvent", "Compensation"): "intermediateCompensationThrowEvent",
    ("BoundaryEvent", "Escalation"): "boundaryEscalation", ("BoundaryEvent", "Cancel"): "cancelBoundaryCatch",
    ("BoundaryEvent", "Compensation"): "compensationBoundaryCatch",
}
_SUBPROCESSES = {"Subprocess": "subProcess", "Transaction": "transaction", "Call Activity": "callActivity"}


def activity_type(spec: Any) -> str:
    if isinstance(spec, LoopTask):
        return "multiInstanceBody"
    name = type(spec).__name__
    definition = getattr(spec, "event_definition", None)
    kind = type(definition).__name__.replace("EventDefinition", "") if definition is not None else ""
    kind = "Timer" if "Timer" in kind or "TimeDate" in kind else kind
    if str(getattr(spec, "description", "")).startswith("Link "):
        kind = "Link"  # a link catch event reaches the engine as a plain one (camunda_model.link_events)
    if (name, kind) in _EVENT_TYPES:
        return _EVENT_TYPES[(name, kind)]
    special = {"ExternalServiceTask": "serviceTask", "EndEvent": "noneEndEvent", "NoneTask": "task",
               "PassThroughTask": "task", "PassThroughManualTask": "manualTask",
               "DecisionTask": "businessRuleTask", "EventSubprocess": "subProcess",
               "TransactionSubprocess": "transaction"}
    if name in special:
        return special[name]
    if isinstance(spec, SubWorkflowTask) and getattr(spec, "description", None) in _SUBPROCESSES:
        return _SUBPROCESSES[spec.description]
    if name in ("IntermediateCatchEvent", "BoundaryEvent") and definition is not None:
        return ("intermediate" if name.startswith("Intermediate") else "boundary") + kind
    return name[0].lower() + name[1:]


def case_data(workflow: Any, called: dict[str, Any]) -> dict[str, Any]:
    """Return the case data: what the open branches carry, or the final data once complete; a process `called`
    by the case keeps its data to itself."""
    merged = {}
    if workflow.is_completed():
        merged.update(workflow.data)
        if workflow.last_task is not None:
            merged.update(workflow.last_task.data)
    else:
        for data in _branch_data(workflow, called):
            merged.update(data)
    return {k: to_storable(v) for k, v in merged.items() if not k.startswith("_") and k != "data_objects"}


def _branch_data(workflow: Any, called: dict[str, Any]) -> Any:
    """Yield the data of branches that ended, then of open ones."""
    for task in workflow.get_tasks(state=TaskState.COMPLETED, skip_subprocesses=True):
        if isinstance(task.task_spec, EndEvent):
            yield task.data
    for task in workflow.get_tasks(state=ACTIVE):
        inside_call = task.workflow is not workflow and task.workflow.spec.name in called
        # an instance of a multi-instance call holds a stale copy of the collection its parent fills
        instance_copy = isinstance(task.task_spec, SubWorkflowTask) and task.parent is not None \
            and isinstance(task.parent.task_spec, LoopTask)
        if not inside_call and not instance_copy:
            yield task.data
