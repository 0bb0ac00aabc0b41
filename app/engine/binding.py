"""Which version of a process a call activity calls, chosen when the call starts (Camunda's
`camunda:calledElementBinding`).

`latest` (the default), `version` and `versionTag` are resolved when the call activity is entered: the service's
binder (app/services/called_instances.py) answers with a deployed definition, or, when a case is replayed, with the
definition the event recorded. The call activity's task keeps the bound definition's id in its internal data, so
the case's stored state says which version each call runs; its specs are the definition's (definitions never change
once deployed), attached to the workflow as `bound_specs` and looked up, for the called process and everything
inside it, by `spec_for`. `deployment` calls the version deployed with the caller, which its call bundle holds
(app/engine/calls.py), as does every call of a state stored before bindings were kept.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from SpiffWorkflow.exceptions import TaskNotFoundException

from .changes import Definition

BOUND = "calledDefinition"  # internal data of a call activity's task: the definition it was bound to
BINDING = "camunda:binding"  # a call activity's extensions: how it binds (CallTarget.to_json)
BINDINGS = ("latest", "deployment", "version", "versionTag")


@dataclass(frozen=True)
class CallTarget:
    """What a call activity asks for when it starts: a key and how to choose its version."""

    key: str
    binding: str  # latest | version | versionTag (deployment never asks: its version came with the caller)
    version: int | None = None
    version_tag: str | None = None

    def describe(self) -> str:
        if self.binding == "version":
            return f"{self.key} 的版本 {self.version}"
        if self.binding == "versionTag":
            return f"{self.key} 版本标签为 {self.version_tag} 的版本"
        return f"{self.key} 的最新版本"


class UnboundCall(Exception):
    """No deployed process answers a call (Camunda: "no processes deployed with key …")."""


class Binder(Protocol):
    """Resolves calls as they start, and the definitions a stored state names."""

    def bind(self, call_id: str, target: CallTarget) -> Definition | None:
        """The definition the call `call_id` runs; None: the version its caller's deployment bound (an event
        recorded before calls were bound when they start). Raises UnboundCall when none answers."""

    def definition(self, definition_id: str) -> Definition:
        """A deployed definition by id."""


def bound_id(task: Any) -> str | None:
    """The definition a call activity's task was bound to when it started, if it was."""
    found = task.internal_data.get(BOUND) if task is not None else None
    return found if isinstance(found, str) else None


def call_above(workflow: Any) -> Any:
    """The nearest call activity task above a (sub)workflow that was bound when it started, or None."""
    top = workflow.top_workflow
    while workflow.depth > 0:
        try:
            task = top.get_task_from_id(workflow.parent_task_id)
        except TaskNotFoundException:
            return None
        if bound_id(task) is not None:
            return task
        workflow = task.workflow
    return None


def bound_definition(workflow: Any) -> Definition | None:
    """The definition whose bundle a (sub)workflow's tasks use: that of the nearest bound call above it, or None
    for the case's own definition."""
    call = call_above(workflow)
    return None if call is None else workflow.top_workflow.bound_definitions[bound_id(call)]


def spec_for(top: Any, task: Any, name: str) -> Any:
    """The spec a subworkflow task runs: the bound definition's process for a bound call, else `name` among the
    specs of the definition its workflow belongs to (None if it has none)."""
    bound = bound_id(task)
    if bound is not None:
        return top.bound_specs[bound][0]
    call = call_above(task.workflow)
    specs = top.subprocess_specs if call is None else top.bound_specs[bound_id(call)][1]
    return specs.get(name)


class RecordedBinder:
    """Binds each call as its event recorded (replay): the same definition, whatever was deployed since. An event
    recorded before calls were bound when they started (`recorded` None) binds none: each runs the version its
    caller's deployment bound, as it did then."""

    def __init__(self, recorded: dict[str, str] | None, definitions: Any) -> None:
        self.recorded, self.definitions = recorded, definitions

    def bind(self, call_id: str, target: CallTarget) -> Definition | None:
        if self.recorded is None:
            return None
        found = self.recorded.get(call_id)
        if found is None:
            raise UnboundCall(f"事件没有记录调用 {call_id}（{target.describe()}）绑定的流程定义")
        definition: Definition = self.definitions(found)
        return definition

    def definition(self, definition_id: str) -> Definition:
        found: Definition = self.definitions(definition_id)
        return found
