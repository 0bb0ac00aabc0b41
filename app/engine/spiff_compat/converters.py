"""The state codec: SpiffWorkflow's serializer configured, through its converter registry, to store a workflow
without its specs and to write tasks at a third of the cost, with the same output.

The converters registered here are SpiffWorkflow's extension point for serialization (`BpmnWorkflowSerializer.
configure`); the spec classes this service adds (app/engine/specs.py, app/engine/extensions.py) get theirs here too.
"""

from copy import copy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter, MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task, TaskState

from ..binding import spec_for
from ..extensions import MappedCallActivity
from ..specs import (
    CollectingParallelMultiInstanceTask,
    CollectingSequentialMultiInstanceTask,
    DecisionTask,
    ExternalServiceTask,
    PassThroughManualTask,
    PassThroughTask,
)

# the SpiffWorkflow code this was written against, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {  # what StateConverter and TaskStateConverter write as SpiffWorkflow's converters would
    "SpiffWorkflow.bpmn.serializer.default.workflow.TaskConverter": "c47db4ad2b5551fb",
    "SpiffWorkflow.bpmn.serializer.default.workflow.BpmnWorkflowConverter": "f3b8e3d002912d23",
    "SpiffWorkflow.bpmn.serializer.default.workflow.WorkflowConverter": "0fa86a22ef4a2b47",
    "SpiffWorkflow.bpmn.serializer.default.workflow.BpmnSubWorkflowConverter.from_dict": "2cdaa9bb752f4ece",
    "SpiffWorkflow.bpmn.serializer.helpers.bpmn_converter.BpmnConverter.mapping_to_dict": "42b3d465748beec3",
    "SpiffWorkflow.bpmn.serializer.helpers.bpmn_converter.BpmnConverter.mapping_from_dict": "9a52064a381d6782",
    "SpiffWorkflow.util.deep_merge.DeepMerge.merge": "b629957b3d77fa37",
}

# Task ids as text and back. A state holds each id up to four times (task, key, parent, children) and a
# command reads and writes the same ids, so each conversion is done once; both directions are pure.
_UUIDS: dict[str, UUID] = {}
_TEXTS: dict[UUID, str] = {}
_KNOWN_IDS = 20_000  # then start over: about 6 MB at most, some 500 cases
_SCALARS = frozenset((str, int, float, bool, type(None)))


def _uuid(text: str) -> UUID:
    uuid = _UUIDS.get(text)
    if uuid is None:
        uuid = _remember(UUID(text), text)
    return uuid


def _text(uuid: UUID) -> str:
    text = _TEXTS.get(uuid)
    if text is None:
        text = str(uuid)
        _remember(uuid, text)
    return text


def _remember(uuid: UUID, text: str) -> UUID:
    """Keep an id both ways, each form made once."""
    if len(_UUIDS) > _KNOWN_IDS:
        _UUIDS.clear()
        _TEXTS.clear()
    _UUIDS[text], _TEXTS[uuid] = uuid, text
    return uuid


class DecisionTaskConverter(BpmnTaskSpecConverter):  # type: ignore[misc]  # an untyped base class
    """A business rule task with the decisions it evaluates (app/engine/decisions.py), as plain data."""

    def to_dict(self, spec: Any) -> Any:
        dct = self.get_default_attributes(spec)
        dct.update(decision=spec.decision, decisions=spec.decisions, result_variable=spec.result_variable,
                   map_result=spec.map_result)
        return dct


class StateConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # an untyped base class
    """A workflow's state without its specs: Spiff's own converter would convert every spec of the
    definition on each dump (half the cost of a dump) only for us to throw them away."""

    def to_dict(self, workflow: Any) -> Any:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: Any) -> Any:
        """SpiffWorkflow's, with the specs of the definitions its calls were bound to (`bound_specs`, which
        app/engine/serializer.py puts in `dct`) attached before its subworkflows are restored on them."""
        spec = self.registry.restore(dct.pop("spec"))
        subprocess_specs = self.mapping_from_dict(dct.pop("subprocess_specs", {}))
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.bound_specs, workflow.bound_definitions = dct.pop("bound", ({}, {}))
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def mapping_to_dict(self, mapping: Any, **kwargs: Any) -> Any:
        return {_text(k) if type(k) is UUID else str(k): self.registry.convert(v, **kwargs)
                for k, v in mapping.items()}

    def mapping_from_dict(self, mapping: Any, key_class: Any = None, **kwargs: Any) -> Any:
        key = _uuid if key_class is UUID else key_class or (lambda k: k)
        return {key(k): self.registry.restore(v, **kwargs) for k, v in mapping.items()}


class SubWorkflowStateConverter(BpmnSubWorkflowConverter):  # type: ignore[misc]  # an untyped base class
    """A subworkflow restored on the spec of the definition its task belongs to (app/engine/binding.py)."""

    def from_dict(self, dct: Any, task: Any, top_workflow: Any) -> Any:
        spec = spec_for(top_workflow, task, task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


class TaskStateConverter(TaskConverter):  # type: ignore[misc]  # an untyped base class
    """Spiff's TaskConverter, with the same output, at a third of its cost: ids converted once (above), empty
    internal data not walked, a task's data copied from its parent's as `DeepMerge.merge({}, …)` copies it."""

    def to_dict(self, task: Any) -> Any:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            before, after = parent.data, task.data
            data = {}
            delta = {"updates": {k: v for k, v in after.items() if k not in before or v != before[k]},
                     "deletions": [k for k in before if k not in after]}
        return {
            "id": _text(task.id),
            "parent": _text(task._parent) if parent is not None else None,
            "children": [_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data) if task.internal_data else {},
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: Any, workflow: Any) -> Any:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        task._parent = _uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"]) if dct["internal_data"] else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta, parent = dct.get("delta"), task.parent
        if delta and parent is not None:
            data = parent.data.copy()
            for k, v in data.items():  # replaces values only, which iteration allows
                if type(v) not in _SCALARS and isinstance(v, dict | list | set):
                    data[k] = copy(v)
            if delta.get("updates"):
                data.update(self.registry.restore(delta["updates"]))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


CONFIG: dict[type, type] = dict(CAMUNDA_CONFIG)
CONFIG[BpmnWorkflow] = StateConverter
CONFIG[Task] = TaskStateConverter
CONFIG[BpmnSubWorkflow] = SubWorkflowStateConverter
CONFIG[ExternalServiceTask] = BpmnTaskSpecConverter
CONFIG[PassThroughTask] = BpmnTaskSpecConverter
CONFIG[DecisionTask] = DecisionTaskConverter
CONFIG[MappedCallActivity] = CONFIG[CallActivity]
CONFIG[PassThroughManualTask] = BpmnTaskSpecConverter
CONFIG[CollectingParallelMultiInstanceTask] = MultiInstanceTaskConverter
CONFIG[CollectingSequentialMultiInstanceTask] = MultiInstanceTaskConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CONFIG))
