"""Store workflows without their specs: the spec lives once with the definition.

A case's stored state is only its task tree and data (zlib-compressed JSON), so a
waiting case costs a few kilobytes; the spec is restored from the definition and
kept per thread, because Camunda multi-instance tasks update their spec while running.
"""

import json
import threading
import zlib
from copy import copy
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter, MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task, TaskState

from .extensions import MappedCallActivity
from .specs import (
    CollectingParallelMultiInstanceTask,
    CollectingSequentialMultiInstanceTask,
    DecisionTask,
    ExternalServiceTask,
    PassThroughManualTask,
    PassThroughTask,
)

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


class DecisionTaskConverter(BpmnTaskSpecConverter):
    """A business rule task with the decisions it evaluates (app/engine/decisions.py), as plain data."""

    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct.update(decision=spec.decision, decisions=spec.decisions, result_variable=spec.result_variable,
                   map_result=spec.map_result)
        return dct


class StateConverter(BpmnWorkflowConverter):
    """A workflow's state without its specs: Spiff's own converter would convert every spec of the
    definition on each dump (half the cost of a dump) only for us to throw them away."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def mapping_to_dict(self, mapping, **kwargs):
        return {_text(k) if type(k) is UUID else str(k): self.registry.convert(v, **kwargs)
                for k, v in mapping.items()}

    def mapping_from_dict(self, mapping, key_class=None, **kwargs):
        key = _uuid if key_class is UUID else key_class or (lambda k: k)
        return {key(k): self.registry.restore(v, **kwargs) for k, v in mapping.items()}


class TaskStateConverter(TaskConverter):
    """Spiff's TaskConverter, with the same output, at a third of its cost: ids converted once (above), empty
    internal data not walked, a task's data copied from its parent's as `DeepMerge.merge({}, …)` copies it."""

    def to_dict(self, task):
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

    def from_dict(self, dct, workflow):
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


_CONFIG = dict(CAMUNDA_CONFIG)
_CONFIG[BpmnWorkflow] = StateConverter
_CONFIG[Task] = TaskStateConverter
_CONFIG[ExternalServiceTask] = BpmnTaskSpecConverter
_CONFIG[PassThroughTask] = BpmnTaskSpecConverter
_CONFIG[DecisionTask] = DecisionTaskConverter
_CONFIG[MappedCallActivity] = _CONFIG[CallActivity]
_CONFIG[PassThroughManualTask] = BpmnTaskSpecConverter
_CONFIG[CollectingParallelMultiInstanceTask] = MultiInstanceTaskConverter
_CONFIG[CollectingSequentialMultiInstanceTask] = MultiInstanceTaskConverter
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
_cache = threading.local()


def dump_spec(spec, subprocess_specs: dict) -> dict:
    """Return a JSON-able dict of a process spec and the specs it calls (some may be stored dicts already)."""
    return {
        "spec": _SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: s if isinstance(s, dict) else _SERIALIZER.to_dict(s)
                             for name, s in subprocess_specs.items()},
    }


def _specs(definition_id: str, spec_dict: dict):
    cache = getattr(_cache, "specs", None)
    if cache is None:
        cache = _cache.specs = {}
    if definition_id not in cache:
        copy = json.loads(json.dumps(spec_dict))
        cache[definition_id] = (
            _SERIALIZER.from_dict(copy["spec"]),
            {name: _SERIALIZER.from_dict(s) for name, s in copy["subprocess_specs"].items()},
        )
    return cache[definition_id]


def new_workflow(definition_id: str, spec_dict: dict, script_engine) -> BpmnWorkflow:
    spec, subprocess_specs = _specs(definition_id, spec_dict)
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    """Serialize a workflow's state, without its spec, compressed."""
    dct = _SERIALIZER.to_dict(workflow)
    text = json.dumps(dct, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode("utf-8"), 6)


def load_workflow(state: bytes, definition_id: str, spec_dict: dict, script_engine) -> BpmnWorkflow:
    """Restore a workflow stored by `dump_workflow` onto the definition's spec."""
    dct = json.loads(zlib.decompress(state))
    dct["spec"], dct["subprocess_specs"] = _specs(definition_id, spec_dict)
    workflow = _SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow
