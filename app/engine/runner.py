"""Run one command on a workflow and report what changed, so the service can update its tables.

Every command is: load (or create) the workflow, act, run engine steps, then compare
what is open, waiting and subscribed before and after. The service stores the state
and applies the reported changes to its task, job and history rows in one transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from app.domain.errors import Conflict, EngineFailure, NotFound, ValidationFailed
from app.domain.workcalendar import WorkCalendar

from .deadlines import timer_is_provisional
from .determinism import Seed, seeded, unseed
from .expressions import ExpressionError, evaluate, evaluate_time, to_storable
from .functions import FunctionContext
from .sandbox import step_budget
from .script_engine import RestrictedScriptEngine
from .serializer import dump_workflow, load_workflow, new_workflow
from .specs import ExternalServiceTask
from .timers import at_moment, firing, reset_moment, stop_firing

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR
MAX_ENGINE_STEPS = 1000  # engine tasks one command may run: a loop of script tasks stops here


@dataclass(frozen=True)
class Definition:
    """What the engine needs of a deployed process definition."""

    id: str
    spec: dict
    activities: dict[str, dict]


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
    local: dict = field(default_factory=dict)  # task-local variables (camunda:inputParameter)


@dataclass
class Timer:
    id: str
    activity_id: str
    due: str
    provisional: bool = False  # a deadline counted past the known calendar (app/engine/deadlines.py)


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
    variables: dict
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


@dataclass
class _View:
    tasks: dict  # id -> (activity_id, state)
    open: dict  # id -> kind
    timers: dict  # task id -> (activity_id, due)
    subscriptions: dict  # (task id, message) -> activity_id


class CaseRun:
    """One command on one case, at one moment."""

    def __init__(self, definition: Definition, calendar: WorkCalendar, moment: datetime, seed: Seed | None = None):
        self.definition = definition
        self.context = FunctionContext(moment, calendar)
        self.engine = RestrictedScriptEngine(self.context)
        self.moment = moment
        self.seed = seed  # task ids and state-change times of this command (app/engine/determinism.py)
        self.workflow = None
        self._before = _View({}, {}, {}, {})

    # -- loading -------------------------------------------------------------
    def create(self, variables: dict) -> "CaseRun":
        seed = seeded(self.seed)
        try:
            self.workflow = new_workflow(self.definition.id, self.definition.spec, self.engine)
        finally:
            unseed(seed)
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(variables)
        return self

    def load(self, state: bytes) -> "CaseRun":
        self.workflow = load_workflow(state, self.definition.id, self.definition.spec, self.engine)
        self._before = self._view()
        return self

    # -- commands ------------------------------------------------------------
    def run(self) -> Changes:
        """Run engine steps only (used after create)."""
        return self._step(lambda: None)

    def start_by_message(self, message: str, variables: dict) -> Changes:
        """Start at the message start event named `message` (used after create); other start events are cancelled."""

        def act():
            starts = self._start_events()
            chosen = [t for t in starts if _message_of(t) == message]
            if not chosen:
                raise ValidationFailed(f"流程没有消息 {message} 的开始事件", field="messageName")
            for task in starts:
                if task is not chosen[0]:
                    task.cancel()
            definition = chosen[0].task_spec.event_definition
            self.workflow.send_event(BpmnEvent(definition, {"payload": variables, "result_var": message}))

        return self._step(act)

    def _start_events(self) -> list:
        """Run the workflow's start task (and its start-event split) so its start events wait."""
        for _ in range(3):
            starts = [t for t in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
                      if isinstance(t.task_spec, StartEvent)]
            if starts:
                return starts
            for task in self.workflow.get_tasks(state=TaskState.READY):
                task.run()
        return []

    def complete_task(self, task_id: str, variables: dict) -> Changes:
        task = self._task(task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict(f"任务 {task_id} 当前不能完成")

        def act():
            task.data.update(variables)
            task.run()

        return self._step(act)

    def fire_timer(self, task_id: str) -> Changes:
        task = self._task(task_id)
        timers = [d for _, d in _caught_events(task) if isinstance(d, TimerEventDefinition)]
        if task.state != TaskState.WAITING or not timers:
            raise EngineFailure(f"定时器 {task_id} 不在等待中", element=task.task_spec.bpmn_id)

        def act():
            if isinstance(timers[0], CycleTimerEventDefinition):
                value = task._get_internal_data("event_value")
                value["next"] = (self.moment - timedelta(seconds=1)).isoformat()
            token = firing(task_id)
            try:
                self.workflow.refresh_timers()
            finally:
                stop_firing(token)

        changes = self._step(act)
        if isinstance(task.task_spec, BoundaryEvent) and not task.task_spec.cancel_activity:
            changes.escalated = task.task_spec.bpmn_id
            changes.late_task = _attached_task(task)
        return changes

    def correlate(self, task_id: str, message: str, variables: dict) -> Changes:
        task = self._task(task_id)
        matches = [d for _, d in _caught_events(task)
                   if isinstance(d, MessageEventDefinition) and d.name == message]
        if task.state != TaskState.WAITING or not matches:
            raise Conflict(f"任务 {task_id} 不在等待消息 {message}")

        def act():
            task.data.update(variables)
            self.workflow.send_event(BpmnEvent(matches[0], {"payload": variables, "result_var": message}))

        return self._step(act)

    def throw_error(self, task_id: str, code: str, variables: dict) -> Changes:
        """A worker reports a BPMN error: an error boundary event on the task must catch it."""
        task = self._task(task_id)
        catchers = [definition for sibling in (task.parent.children if task.parent else [])
                    if sibling is not task and sibling.state == TaskState.WAITING
                    for _, definition in _caught_events(sibling)
                    if isinstance(definition, ErrorEventDefinition) and definition.code in (None, code)]
        if not catchers:
            raise ValidationFailed(f"活动 {task.task_spec.bpmn_id} 上没有捕获错误码 {code} 的边界事件",
                                   field="errorCode", element=task.task_spec.bpmn_id)

        def act():
            event = BpmnEvent(catchers[0], payload=variables, target=task.workflow)
            self.workflow.catch(event)

        return self._step(act)

    def set_variables(self, variables: dict) -> Changes:
        """Change case data on every open or waiting branch (an operator repairing the cause of an incident)."""

        def act():
            for workflow in self._workflows():
                for task in workflow.get_tasks(state=ACTIVE):
                    task.data.update(variables)

        return self._step(act)

    def cancel(self) -> Changes:
        changes = self._step(self.workflow.cancel)
        changes.terminated = True
        return changes

    def _task(self, task_id: str):
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (TaskNotFoundException, ValueError):
            task = None
        if task is None:
            raise NotFound(f"案件中没有任务 {task_id}")
        return task

    def _step(self, act) -> Changes:
        token, seed = at_moment(self.moment), seeded(self.seed)
        try:
            act()
            if not self.workflow.is_completed():
                self.workflow.do_engine_steps(will_complete_task=step_budget(MAX_ENGINE_STEPS))
        except (SpiffWorkflowException, ExpressionError) as err:
            element = getattr(getattr(getattr(err, "task", None), "task_spec", None), "bpmn_id", None)
            raise EngineFailure(str(err.args[0]) if err.args else str(err), element=element) from err
        finally:
            unseed(seed)
            reset_moment(token)
        return self._changes()

    # -- observing -----------------------------------------------------------
    def _workflows(self):
        return [self.workflow, *self.workflow.subprocesses.values()]

    def _view(self) -> _View:
        view = _View({}, {}, {}, {})
        for wf in self._workflows():
            for task in wf.tasks.values():
                spec = task.task_spec
                if getattr(spec, "bpmn_id", None) is None or task.state & (ACTIVE | FINISHED) == 0:
                    continue
                view.tasks[str(task.id)] = task.state
                if task.state == TaskState.READY and spec.manual:
                    view.open[str(task.id)] = "external" if isinstance(spec, ExternalServiceTask) else "user"
                elif task.state == TaskState.WAITING and isinstance(spec, CatchingEvent):
                    self._observe_event(task, view)
        return view

    @staticmethod
    def _observe_event(task, view: _View) -> None:
        for activity_id, definition in _caught_events(task):
            if isinstance(definition, TimerEventDefinition):
                detail = task._get_internal_data("event_value")
                if isinstance(detail, dict):
                    detail = detail.get("next") if detail.get("cycles") else None
                if isinstance(detail, str):
                    view.timers[str(task.id)] = (activity_id, detail)
            elif isinstance(definition, MessageEventDefinition):
                view.subscriptions[(str(task.id), definition.name)] = activity_id

    def _changes(self) -> Changes:
        before, after = self._before, self._view()
        changes = Changes(dump_workflow(self.workflow), self.variables(), self.workflow.is_completed())
        for task_id, kind in after.open.items():
            if task_id not in before.open:
                changes.opened.append(self._open_task(task_id, kind))
        changes.closed = [(t, kind) for t, kind in before.open.items() if t not in after.open]
        changes.timers_set = [Timer(t, activity, due, self._provisional_timer(t, activity))
                              for t, (activity, due) in after.timers.items() if before.timers.get(t) != (activity, due)]
        changes.timers_cleared = [t for t in before.timers if t not in after.timers]
        changes.subscribed = [Subscription(t, activity, m) for (t, m), activity in after.subscriptions.items()
                              if (t, m) not in before.subscriptions]
        changes.unsubscribed = [key for key in before.subscriptions if key not in after.subscriptions]
        self._activity_changes(before, after, changes)
        self._before = after
        return changes

    def _activity_changes(self, before: _View, after: _View, changes: Changes) -> None:
        for task_id, state in after.tasks.items():
            old = before.tasks.get(task_id)
            finished = state & FINISHED and not (old or 0) & FINISHED
            if old is None or finished:
                task = self.workflow.get_task_from_id(UUID(task_id))
                spec = task.task_spec
                name = spec.bpmn_name or self._activities(task).get(spec.bpmn_id, {}).get("name") or spec.bpmn_id
                activity = Activity(task_id, _activity_id(spec), name, _activity_type(spec))
                if old is None:
                    changes.started.append(activity)
                if finished:
                    (changes.cancelled if state == TaskState.CANCELLED else changes.ended).append(activity)

    def _provisional_timer(self, task_id: str, activity_id: str) -> bool:
        context = FunctionContext(self.moment, self.context.calendar)
        task = self.workflow.get_task_from_id(UUID(task_id))
        return timer_is_provisional(self._activities(task).get(activity_id, {}), dict(task.data), context)

    def _activities(self, task) -> dict[str, dict]:
        """Return the activity metadata of the process a task belongs to (the case's, or a called one's)."""
        called, workflow = self.definition.spec.get("called") or {}, task.workflow
        while workflow is not self.workflow and workflow.spec.name not in called:
            workflow = workflow.parent_workflow
        return self.definition.activities if workflow is self.workflow else called[workflow.spec.name]

    def _open_task(self, task_id: str, kind: str) -> OpenTask:
        task = self.workflow.get_task_from_id(UUID(task_id))
        activity_id = task.task_spec.bpmn_id
        meta = self._activities(task).get(activity_id, {})
        names = dict(task.data)
        self.context.provisional = False
        groups = self._text(meta.get("candidateGroups"), names)
        opened = OpenTask(
            id=task_id, activity_id=activity_id, name=meta.get("name") or activity_id, kind=kind,
            candidate_groups=[g.strip() for g in (groups or "").split(",") if g.strip()],
            assignee=self._text(meta.get("assignee"), names),
            due=self._time(meta.get("dueDate"), names, activity_id),
            follow_up=self._time(meta.get("followUpDate"), names, activity_id),
            priority=int(self._text(meta.get("priority"), names) or 50),
            form_key=meta.get("formId") or meta.get("formRef") or meta.get("formKey"), topic=meta.get("topic"),
        )
        opened.provisional = self.context.provisional
        opened.local = self._locals(meta.get("inputs", {}), names, activity_id)
        return opened

    def _locals(self, inputs: dict, names: dict, activity_id: str) -> dict:
        try:
            return {name: to_storable(evaluate(expr, names, self.context)) if expr else None
                    for name, expr in inputs.items()}
        except ExpressionError as err:
            raise EngineFailure(f"任务输入参数求值失败：{err}", element=activity_id) from err

    def _text(self, value: str | None, names: dict) -> str | None:
        if not value or "{" not in value:
            return value
        result = evaluate(value, names, self.context)
        return ",".join(result) if isinstance(result, (list, tuple)) else (None if result is None else str(result))

    def _time(self, value: str | None, names: dict, activity_id: str) -> str | None:
        if not value:
            return None
        try:
            return evaluate_time(value, names, self.context)
        except ExpressionError as err:
            raise EngineFailure(f"到期时间表达式求值失败：{err}", element=activity_id) from err

    def variables(self) -> dict:
        """Return the case data: what the open branches carry, or the final data once complete."""
        merged = {}
        if self.workflow.is_completed():
            merged.update(self.workflow.data)
            if self.workflow.last_task is not None:
                merged.update(self.workflow.last_task.data)
        else:
            for data in self._branch_data():
                merged.update(data)
        return {k: to_storable(v) for k, v in merged.items() if not k.startswith("_") and k != "data_objects"}

    def _branch_data(self):
        """Yield the data of branches that ended, then of open ones; a called process keeps its data to itself."""
        for task in self.workflow.get_tasks(state=TaskState.COMPLETED, skip_subprocesses=True):
            if isinstance(task.task_spec, EndEvent):
                yield task.data
        called = self.definition.spec.get("called") or {}
        for task in self.workflow.get_tasks(state=ACTIVE):
            inside_call = task.workflow is not self.workflow and task.workflow.spec.name in called
            # an instance of a multi-instance call holds a stale copy of the collection its parent fills
            instance_copy = isinstance(task.task_spec, SubWorkflowTask) and task.parent is not None \
                and isinstance(task.parent.task_spec, LoopTask)
            if not inside_call and not instance_copy:
                yield task.data


def _attached_task(boundary_task) -> tuple[str, str] | None:
    """Return (activity id, task id) of the activity a boundary event task is attached to."""
    siblings = [t for t in boundary_task.parent.children if not isinstance(t.task_spec, BoundaryEvent)]
    return (siblings[0].task_spec.bpmn_id, str(siblings[0].id)) if siblings else None


def _message_of(task) -> str | None:
    definition = getattr(task.task_spec, "event_definition", None)
    return definition.name if isinstance(definition, MessageEventDefinition) else None


def _caught_events(task) -> list[tuple[str, object]]:
    """Return (activity id, event definition) for each event a waiting task listens for."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        outputs = spec.outputs if len(spec.outputs) == len(definition.event_definitions) else None
        return [((outputs[i].bpmn_id if outputs else spec.bpmn_id), d)
                for i, d in enumerate(definition.event_definitions)]
    return [(spec.bpmn_id, definition)] if definition is not None else []


def _activity_id(spec) -> str:
    """Camunda names the body of a multi-instance or loop activity `<activity id>#multiInstanceBody`."""
    return f"{spec.bpmn_id}#multiInstanceBody" if isinstance(spec, LoopTask) else spec.bpmn_id


def _activity_type(spec) -> str:
    if isinstance(spec, LoopTask):
        return "multiInstanceBody"
    name = type(spec).__name__
    special = {"ExternalServiceTask": "serviceTask", "EndEvent": "noneEndEvent", "NoneTask": "task"}
    if name in special:
        return special[name]
    definition = getattr(spec, "event_definition", None)
    if name in ("IntermediateCatchEvent", "BoundaryEvent") and definition is not None:
        kind = type(definition).__name__.replace("EventDefinition", "")
        kind = "Timer" if "Timer" in kind or "TimeDate" in kind else kind
        return ("intermediate" if name.startswith("Intermediate") else "boundary") + kind
    return name[0].lower() + name[1:]
