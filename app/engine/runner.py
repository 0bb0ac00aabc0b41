"""Run one command on a workflow and report what changed, so the service can update its tables.

Every command is: load (or create) the workflow, act, run engine steps, then compare
what is open, waiting and subscribed before and after. The service stores the state
and applies the reported changes to its task, job and history rows in one transaction.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from app.domain.errors import Conflict, EngineFailure, NotFound, ValidationFailed
from app.domain.workcalendar import WorkCalendar

from . import migration, moves
from .activities import NONE, Activities
from .binding import Binder, CallTarget, bound_definition, bound_id
from .calls import call_instances, instance_of
from .changes import Activity, Changes, Definition, OpenTask, Subscription, Timer
from .cputime import charged
from .determinism import Seed, seeded, unseed
from .expressions import ExpressionError
from .functions import FunctionContext
from .moves import Instruction
from .observe import (
    ACTIVE,
    FINISHED,
    View,
    activity_id,
    activity_type,
    attached_task,
    case_data,
    caught_events,
    interrupted,
    message_of,
    timer_job,
    view_of,
)
from .open_tasks import describe
from .sandbox import step_budget
from .script_engine import RestrictedScriptEngine
from .serializer import attach_bound, dump_workflow, load_workflow, new_workflow, process_spec
from .specs import DecisionTask
from .spiff_compat import installed as spiff_compat_installed
from .timer_dates import timer_is_provisional
from .timers import at_moment, firing, reset_moment, stop_firing

MAX_ENGINE_STEPS = 1000  # engine tasks one command may run: a loop of script tasks stops here
FIRED = TaskState.COMPLETED | TaskState.READY | TaskState.STARTED


def _rearms(task: Any) -> bool:
    """A non-interrupting message, signal or escalation boundary event that fired."""
    spec = task.task_spec
    return isinstance(spec, BoundaryEvent) and not spec.cancel_activity and bool(task.state & FIRED) \
        and isinstance(spec.event_definition,
                       MessageEventDefinition | SignalEventDefinition | EscalationEventDefinition)


class _Calls:
    """What a run's call activities ask when they start (`workflow.binder`): the run's binder, whose answer's specs
    it attaches to the workflow."""

    def __init__(self, run: "CaseRun", binder: Binder) -> None:
        self.run, self.binder = run, binder

    def bind(self, call_id: str, target: CallTarget) -> str | None:
        found = self.binder.bind(call_id, target)
        if found is None:
            return None
        attach_bound(self.run.workflow, found)
        return found.id


class CaseRun:
    """One command on one case, at one moment."""

    def __init__(self, definition: Definition, calendar: WorkCalendar, moment: datetime,
                 seed: Seed | None = None, binder: Binder | None = None) -> None:
        if not spiff_compat_installed():
            raise RuntimeError("SpiffWorkflow runs only with app.engine.spiff_compat.install() (create_app calls it)")
        self.definition = definition
        self.context = FunctionContext(moment, calendar, sample_key=f"{seed.namespace}/{seed.seq}" if seed else None)
        self.engine = RestrictedScriptEngine(self.context)
        self.moment = moment
        self.seed = seed  # task ids and state-change times of this command (app/engine/determinism.py)
        self.workflow: Any = None  # a SpiffWorkflow BpmnWorkflow, once created or loaded
        self._before = View()
        self.resolve: Callable[[str], Definition] | None = None  # another definition by id (a migration's target)
        # binds calls as they start and finds the definitions a state's calls were bound to (app/engine/binding.py);
        # without one (the bare engine) every call runs the version its caller's deployment bound
        self.binder = binder
        # False: the command's changes hold only the state, the data and completion, not the tasks, timers and
        # activities that opened, closed or moved (a replay that compares states needs no more; the state is
        # dumped before anything is observed, so it is the same either way)
        self.observed = True

    # -- loading -------------------------------------------------------------
    @charged()
    def create(self, variables: dict[str, Any]) -> "CaseRun":
        seed = seeded(self.seed)
        try:
            self.workflow = new_workflow(self.definition.id, self.definition.spec, self.engine)
        finally:
            unseed(seed)
        self._give_binder()
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(variables)
        return self

    @charged()
    def load(self, state: bytes) -> "CaseRun":
        self.workflow = load_workflow(state, self.definition.id, self.definition.spec, self.engine, self._definitions)
        self._give_binder()
        if self.observed:
            self._before = self._view()
        return self

    @property
    def _definitions(self) -> Callable[[str], Definition] | None:
        return self.binder.definition if self.binder is not None else None

    def _give_binder(self) -> None:
        self.workflow.binder = _Calls(self, self.binder) if self.binder is not None else None

    # -- commands ------------------------------------------------------------
    def run(self) -> Changes:
        """Run engine steps only (used after create)."""
        return self._step(lambda: None)

    def start_by_message(self, message: str, variables: dict[str, Any]) -> Changes:
        """Start at the message start event named `message` (used after create); other start events are cancelled."""

        def act() -> None:
            starts = self._start_events()
            chosen = [t for t in starts if message_of(t) == message]
            if not chosen:
                raise ValidationFailed(f"流程没有消息 {message} 的开始事件", field="messageName")
            for task in starts:
                if task is not chosen[0]:
                    task.cancel()
            definition = chosen[0].task_spec.event_definition
            self.workflow.send_event(BpmnEvent(definition, {"payload": variables, "result_var": message}))

        return self._step(act)

    def _start_events(self) -> list[Any]:
        """Run the workflow's start task (and its start-event split) so its start events wait."""
        for _ in range(3):
            starts = [t for t in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
                      if isinstance(t.task_spec, StartEvent)]
            if starts:
                return starts
            for task in self.workflow.get_tasks(state=TaskState.READY):
                task.run()
        return []

    def complete_task(self, task_id: str, variables: dict[str, Any]) -> Changes:
        task = self._task(task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict(f"任务 {task_id} 当前不能完成")

        def act() -> None:
            task.data.update(variables)
            task.run()

        return self._step(act, given=variables)

    def fire_timer(self, task_id: str) -> Changes:
        task = self._task(task_id)
        timers = [d for _, d in caught_events(task) if isinstance(d, TimerEventDefinition)]
        if task.state != TaskState.WAITING or not timers:
            raise EngineFailure(f"定时器 {task_id} 不在等待中", element=task.task_spec.bpmn_id)

        def act() -> None:
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
            return replace(changes, escalated=task.task_spec.bpmn_id, late_task=attached_task(task))
        return changes

    def correlate(self, task_id: str, message: str, variables: dict[str, Any]) -> Changes:
        task = self._task(task_id)
        matches = [d for _, d in caught_events(task)
                   if isinstance(d, MessageEventDefinition) and d.name == message]
        if task.state != TaskState.WAITING or not matches:
            raise Conflict(f"任务 {task_id} 不在等待消息 {message}")

        def act() -> None:
            task.data.update(variables)
            self.workflow.send_event(BpmnEvent(matches[0], {"payload": variables, "result_var": message}))

        return self._step(act, given=variables)

    def signal(self, name: str, variables: dict[str, Any]) -> Changes:
        """Deliver the signal `name` to every event of the case waiting for it (Camunda's POST /signal): each
        catches it, with `variables` set on the case."""
        catching = [d for wf in self._workflows() for task in wf.get_tasks(state=TaskState.WAITING)
                    for _, d in caught_events(task) if isinstance(d, SignalEventDefinition) and d.name == name]
        if not catching:
            raise Conflict(f"案件不在等待信号 {name}")

        def act() -> None:
            self.workflow.catch(BpmnEvent(catching[0], payload=dict(variables)))

        return self._step(act, given=variables)

    def throw_error(self, task_id: str, code: str, variables: dict[str, Any]) -> Changes:
        """A worker reports a BPMN error: an error boundary event on the task must catch it."""
        task = self._task(task_id)
        catchers = [definition for sibling in (task.parent.children if task.parent else [])
                    if sibling is not task and sibling.state == TaskState.WAITING
                    for _, definition in caught_events(sibling)
                    if isinstance(definition, ErrorEventDefinition) and definition.code in (None, code)]
        if not catchers:
            raise ValidationFailed(f"活动 {task.task_spec.bpmn_id} 上没有捕获错误码 {code} 的边界事件",
                                   field="errorCode", element=task.task_spec.bpmn_id)

        def act() -> None:
            event = BpmnEvent(catchers[0], payload=variables, target=task.workflow)
            self.workflow.catch(event)

        return self._step(act, given=variables)

    def throw_escalation(self, task_id: str, code: str, variables: dict[str, Any]) -> Changes:
        """Someone working on a task reports an escalation (Camunda's `POST /task/{id}/bpmnEscalation`): an
        escalation boundary event on the task catches it; an interrupting one ends the task, a non-interrupting
        one leaves it open."""
        task = self._task(task_id)
        catchers = [sibling for sibling in (task.parent.children if task.parent else [])
                    if sibling is not task and sibling.state == TaskState.WAITING
                    and any(isinstance(d, EscalationEventDefinition) and d.code in (None, code)
                            for _, d in caught_events(sibling))]
        if not catchers:
            raise ValidationFailed(f"活动 {task.task_spec.bpmn_id} 上没有捕获升级码 {code} 的边界事件",
                                   field="escalationCode", element=task.task_spec.bpmn_id)
        chosen = next((c for c in catchers if c.task_spec.event_definition.code == code), catchers[0])

        def act() -> None:
            task.data.update(variables)
            chosen.data.update(variables)
            event = BpmnEvent(chosen.task_spec.event_definition, payload=variables, target=task.workflow)
            chosen.task_spec.catch(chosen, event)
            chosen.task_spec._update(chosen)

        return self._step(act, given=variables)

    def set_variables(self, variables: dict[str, Any], deletions: tuple[str, ...] = ()) -> Changes:
        """Change (or delete) case data on every open or waiting branch (e.g. repairing the cause of an incident)."""

        def act() -> None:
            for workflow in self._workflows():
                for task in workflow.get_tasks(state=ACTIVE):
                    task.data.update(variables)
                    for name in deletions:
                        task.data.pop(name, None)

        return self._step(act)

    def modify(self, instructions: list[Instruction]) -> Changes:
        """Start and cancel activity instances in order (Camunda's modification); a case left with no active
        activity ends cancelled, as in Camunda."""
        ended = []

        def act() -> None:
            for index, instruction in enumerate(instructions):
                moves.apply(self.workflow, instruction, index, self.variables())
            if not moves.has_tokens(self.workflow):
                self.workflow.cancel()
                ended.append(True)

        return replace(self._step(act), terminated=bool(ended))

    def migrate(self, target: Definition, mapping: dict[str, str], variables: dict[str, Any]) -> Changes:
        """Continue the case on `target`, each active activity at the one `mapping` names (Camunda's migration),
        then set `variables` on it; the case's tasks keep their ids."""
        unmapped = sorted({t.task_spec.bpmn_id for t in moves.active_tasks(self.workflow)} - set(mapping))
        if unmapped:
            raise ValidationFailed(f"活动 {unmapped[0]} 有进行中的实例，但迁移计划没有为它指定目标活动",
                                   field="migrationPlan.instructions", element=unmapped[0])
        source = {name: getattr(spec, "bpmn_id", None) or name for name, spec in self.workflow.spec.task_specs.items()}
        state = migration.moved_state(dump_workflow(self.workflow), mapping,
                                      process_spec(target.id, target.spec).task_specs, source)
        self.definition = target
        self.workflow = load_workflow(state, target.id, target.spec, self.engine, self._definitions)
        self._give_binder()

        def act() -> None:
            migration.predict_ahead(self.workflow)
            for task in self.workflow.get_tasks(state=ACTIVE):
                task.data.update(variables)

        return replace(self._step(act), migrated_to=target.id)

    def cancel(self) -> Changes:
        return replace(self._step(self.workflow.cancel), terminated=True)

    def scope_data(self, task_id: str) -> dict[str, Any]:
        """The data activity `task_id` sees: its own scope (a called process's, a multi-instance item's)."""
        return dict(self._task(task_id).data)

    def _task(self, task_id: str) -> Any:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (TaskNotFoundException, ValueError):
            task = None
        if task is None:
            raise NotFound(f"案件中没有任务 {task_id}")
        return task

    @charged()
    def _step(self, act: Any, given: dict[str, Any] | None = None) -> Changes:
        token, seed = at_moment(self.moment), seeded(self.seed)
        try:
            act()
            self._show_subprocess_data_to_fired_boundaries()
            if not self.workflow.is_completed():
                budget = step_budget(MAX_ENGINE_STEPS)
                self.workflow.do_engine_steps(will_complete_task=budget)
                self._evaluate_conditions(budget, given or {})
            self._rearm_boundary_events()
            self._forget_uncaught_escalations()
        except (SpiffWorkflowException, ExpressionError) as err:
            element = getattr(getattr(getattr(err, "task", None), "task_spec", None), "bpmn_id", None)
            raise EngineFailure(str(err.args[0]) if err.args else str(err), element=element) from err
        finally:
            unseed(seed)
            reset_moment(token)
        return self._changes()

    def _show_subprocess_data_to_fired_boundaries(self) -> None:
        """A boundary event of an embedded subprocess that just fired sees the variables set inside the subprocess,
        which are case variables in Camunda; SpiffWorkflow would give its path the data the subprocess started
        with. (A called process keeps its variables to itself.)"""
        called = self.called
        for workflow in self._workflows():
            for task in [t for t in workflow.tasks.values() if t.state == TaskState.READY
                         and isinstance(t.task_spec, BoundaryEvent) and t.parent is not None]:
                for main in task.parent.children:
                    inner = self.workflow.subprocesses.get(main.id)
                    if inner is not None and inner.spec.name not in called:
                        task.data.update(case_data(inner, called))

    def _rearm_boundary_events(self) -> None:
        """Camunda's non-interrupting message, signal or escalation boundary event stays subscribed while its
        activity runs, so it fires again on the next one; SpiffWorkflow's fires once: each that fired waits again
        beside its activity."""
        for workflow in self._workflows():
            for split in [t for t in workflow.tasks.values() if isinstance(t.task_spec, BoundaryEventSplit)]:
                main = [c for c in split.children if not isinstance(c.task_spec, BoundaryEvent)]
                if not main or not main[0].state & ACTIVE:
                    continue
                for spec in {c.task_spec for c in split.children if _rearms(c)}:
                    if not any(c.task_spec is spec and c.state == TaskState.WAITING for c in split.children):
                        child = split._add_child(spec, TaskState.MAYBE)  # predicted: its path is laid out
                        spec._update(child)

    def _forget_uncaught_escalations(self) -> None:
        """An escalation nothing caught is over, as in Camunda; SpiffWorkflow would keep it, with a copy of the
        case data, among the events it hands outside."""
        self.workflow.bpmn_events = [event for event in self.workflow.bpmn_events
                                     if not isinstance(event.event_definition, EscalationEventDefinition)]

    def _evaluate_conditions(self, budget: Any, given: dict[str, Any]) -> None:
        """Camunda evaluates a waiting conditional event again whenever a variable of the case changes: each one
        sees the case's variables as they are after the command, with those the command was `given` (a task's
        form, a message's payload: case variables in Camunda, whatever branch set them), and those whose condition
        now holds go on."""
        while True:
            waiting = [t for wf in self._workflows() for t in wf.tasks.values() if t.state == TaskState.WAITING
                       and isinstance(getattr(t.task_spec, "event_definition", None), ConditionalEventDefinition)]
            if not waiting:
                return
            variables, called = self.variables(), self.called
            for task in waiting:
                if task.workflow.spec.name not in called:  # a called process keeps its variables to itself
                    task.data.update(variables)
                    task.data.update(given)
                if task.task_spec.event_definition.has_fired(task):  # not _update: it copies the parent's data
                    task._ready()
            if all(task.state == TaskState.WAITING for task in waiting):
                return
            self.workflow.do_engine_steps(will_complete_task=budget)

    # -- observing -----------------------------------------------------------
    def _workflows(self) -> Any:
        return [self.workflow, *self.workflow.subprocesses.values()]

    def _view(self) -> View:
        return view_of(self._workflows())

    def _changes(self) -> Changes:
        state, variables, completed = dump_workflow(self.workflow), self.variables(), self.workflow.is_completed()
        if not self.observed:
            return Changes(state, variables, completed)
        before, after = self._before, self._view()
        opened = [self._open_task(task_id, kind) for task_id, kind in after.open.items() if task_id not in before.open]
        started, ended, cancelled = self._activity_changes(before, after)
        changes = Changes(
            state, variables, completed, opened,
            closed=[(t, kind) for t, kind in before.open.items() if t not in after.open],
            timers_set=[Timer(t, activity, due, self._provisional_timer(t, activity), self._instance(t),
                              t in before.timers, *self._timer_job(t))
                        for t, (activity, due) in after.timers.items() if before.timers.get(t) != (activity, due)],
            timers_cleared=[t for t in before.timers if t not in after.timers],
            subscribed=[*(Subscription(t, activity, m, instance=self._instance(t))
                          for (t, m), activity in after.subscriptions.items() if (t, m) not in before.subscriptions),
                        *(Subscription(t, activity, m, "signal", self._instance(t))
                          for (t, m), activity in after.signals.items() if (t, m) not in before.signals)],
            unsubscribed=[*(key for key in before.subscriptions if key not in after.subscriptions),
                          *(key for key in before.signals if key not in after.signals)],
            started=started, ended=ended, cancelled=cancelled, declared=self._declared(ended),
            calls=call_instances(self.workflow, self.called, started, ended, cancelled))
        self._before = after
        return changes

    def _declared(self, ended: list[Activity]) -> dict[str, str]:
        """The result variables business rule tasks that ended set to a value of a type JSON does not say."""
        found = {}
        for activity in ended:
            spec = self.workflow.get_task_from_id(UUID(activity.id)).task_spec
            kind = spec.declared_type() if isinstance(spec, DecisionTask) else None
            if kind:
                found[spec.result_variable] = kind
        return found

    def _activity_changes(self, before: View, after: View) -> tuple[list[Activity], list[Activity], list[Activity]]:
        """The activity instances that started, ended and were cancelled."""
        started: list[Activity] = []
        ended: list[Activity] = []
        cancelled: list[Activity] = []
        for task_id, state in after.tasks.items():
            old = before.tasks.get(task_id)
            finished = state & FINISHED and not (old or 0) & FINISHED
            if old is None and state == TaskState.CANCELLED:
                continue  # predicted, never reached: Camunda has no instance of it
            if old is None or finished:
                task = self.workflow.get_task_from_id(UUID(task_id))
                spec = task.task_spec
                name = spec.bpmn_name or self.activities_of(task).get(spec.bpmn_id, NONE).name or spec.bpmn_id
                activity = Activity(task_id, activity_id(spec), name, activity_type(spec),
                                    instance_of(task, self.called))
                if old is None:
                    started.append(activity)
                if finished:
                    (cancelled if state == TaskState.CANCELLED or interrupted(task) else ended).append(activity)
        return started, ended, cancelled

    def _instance(self, task_id: str) -> str | None:
        return instance_of(self.workflow.get_task_from_id(UUID(task_id)), self.called)

    def _timer_job(self, task_id: str) -> tuple[str, str | None]:
        return timer_job(self.workflow.get_task_from_id(UUID(task_id)).task_spec)

    def _provisional_timer(self, task_id: str, activity_id: str) -> bool:
        context = FunctionContext(self.moment, self.context.calendar)
        task = self.workflow.get_task_from_id(UUID(task_id))
        return timer_is_provisional(self.activities_of(task).get(activity_id, NONE), dict(task.data), context)

    def activities_of(self, task: Any) -> Activities:
        """Return the activities of the process a task belongs to (the case's, or a called one's)."""
        called, workflow = self.called, task.workflow
        while workflow is not self.workflow and workflow.spec.name not in called:
            workflow = workflow.parent_workflow
        if workflow is self.workflow:
            return self.definition.activities
        call = self.workflow.get_task_from_id(workflow.parent_task_id)
        bound = bound_id(call)
        if bound is not None:  # a call bound when it started runs that definition's process
            definition: Definition = self.workflow.bound_definitions[bound]
            return definition.activities
        return (bound_definition(call.workflow) or self.definition).called[workflow.spec.name]

    @property
    def called(self) -> dict[str, Activities]:
        """The processes the case may run as called ones, by key: those its definition's bundle holds, and those its
        calls were bound to when they started with the processes they call. (Which version a called workflow runs
        is its call's: `activities_of`.)"""
        bound = list(getattr(self.workflow, "bound_definitions", {}).values())
        if not bound:
            return self.definition.called
        found = dict(self.definition.called)
        for definition in bound:
            found.setdefault(definition.key, definition.activities)
            for key, activities in definition.called.items():
                found.setdefault(key, activities)
        return found

    def _open_task(self, task_id: str, kind: str) -> OpenTask:
        task = self.workflow.get_task_from_id(UUID(task_id))
        opened = describe(task, kind, self.activities_of(task).get(task.task_spec.bpmn_id, NONE), self.context)
        return replace(opened, instance=instance_of(task, self.called))

    def variables(self) -> dict[str, Any]:
        """Return the case data: what the open branches carry, or the final data once complete."""
        return case_data(self.workflow, self.called)
