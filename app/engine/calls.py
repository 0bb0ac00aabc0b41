"""Call activities: check each called process at deploy time and refuse unknown or cyclic calls.

At deploy a called process comes from the same deployment or, failing that, is the latest deployed
version; its spec, the specs it calls and its activity metadata are copied into the caller's
definition. That copy is what a call bound to its deployment (`calledElementBinding="deployment"`)
runs; a call bound by `latest`, `version` or `versionTag` runs the version chosen when it starts
(app/engine/binding.py).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from app.domain.errors import DeploymentRefused

from .activities import Activities, activities_from_json, activities_to_json
from .binding import bound_id
from .changes import Activity, CallInstance
from .extensions import MappedCallActivity  # an embedded subprocess is SpiffWorkflow's CallActivity too
from .observe import case_data

Graph = Mapping[str, list[str]]  # process key -> the process keys its call activities call


@dataclass(frozen=True)
class CallBundle:
    """What a definition keeps of the processes it calls, directly or not: what is known of their activities
    (with the forms and notice templates pinned when they were deployed) and the call graph from it down.
    Stored in the definition's spec as `called` and `calls`."""

    called: Mapping[str, Activities]
    calls: Graph

    def to_json(self) -> dict[str, Any]:
        return {"called": {key: activities_to_json(found) for key, found in self.called.items()},
                "calls": {key: list(callees) for key, callees in self.calls.items()}}

    @classmethod
    def from_json(cls, spec: Mapping[str, Any]) -> "CallBundle":
        """Read the bundle stored in a definition's spec."""
        return cls({key: activities_from_json(found) for key, found in (spec.get("called") or {}).items()},
                   {key: list(callees) for key, callees in (spec.get("calls") or {}).items()})

    def rebound(self, deployed: Mapping[str, Activities]) -> "CallBundle":
        """The bundle with the activities of the processes deployed with the caller as deployment pinned them."""
        return replace(self, called={key: deployed.get(key, found) for key, found in self.called.items()})


@dataclass(frozen=True)
class StoredProcess:
    """A deployed process a call activity binds to: its specs as stored, its activities and its own bundle."""

    id: str
    spec: dict[str, Any]
    subprocess_specs: dict[str, Any]
    activities: Activities
    bundle: CallBundle


Resolver = Callable[[str], StoredProcess | None]  # the latest deployed process of a key, or None


def calls_of(node: Any) -> list[tuple[str, str | None]]:
    """Return (call activity id, calledElement) for each call activity of a process element."""
    return [(el.get("id"), el.get("calledElement")) for el in node.iter(full_tag("callActivity"))]


def refuse_unbound_deployment_calls(nodes: list[tuple[str, Any]], camunda: str) -> None:
    """A call activity bound to its deployment (`camunda:calledElementBinding="deployment"`) calls a process of
    that deployment, as in Camunda: one that is not in it is refused rather than bound to another version. A
    binding by version or version tag names them (`calledElementVersion`, `calledElementVersionTag`), and either
    attribute without its binding, which Camunda would ignore, is refused."""
    keys = {node.get("id") for _, node in nodes}
    for filename, node in nodes:
        for el in node.iter(full_tag("callActivity")):
            called = el.get("calledElement")
            binding = el.get(camunda + "calledElementBinding") or "latest"
            for attribute, needs in (("calledElementVersion", "version"), ("calledElementVersionTag", "versionTag")):
                if binding == needs and el.get(camunda + attribute) is None:
                    raise DeploymentRefused(f"camunda:calledElementBinding=\"{needs}\" 须同时设置 camunda:{attribute}",
                                            file=filename, element=el.get("id"))
                if binding != needs and el.get(camunda + attribute) is not None:  # Camunda would ignore it
                    raise DeploymentRefused(f"设置了 {attribute}，但 camunda:calledElementBinding=\"{binding}\" 不使用"
                                            f"它：改为 calledElementBinding=\"{needs}\"，或删去它", file=filename,
                                            element=el.get("id"))
            if el.get(camunda + "calledElementBinding") == "deployment" and called and called not in keys:
                raise DeploymentRefused(f"调用活动按部署绑定（calledElementBinding=\"deployment\"），但流程 {called} "
                                        "不在本次部署中：与它一起部署，或改用 latest", file=filename,
                                        element=el.get("id"))


def resolve_calls(calls: dict[str, list[Any]], where: dict[str, str],
                  resolve: Resolver | None) -> tuple[dict[str, StoredProcess], dict[str, list[str]]]:
    """Return (stored bundles by key, call graph); refuse an unknown calledElement or a cycle."""
    stored: dict[str, StoredProcess] = {}
    graph: dict[str, list[str]] = {key: [called for _, called in refs if called] for key, refs in calls.items()}
    for key, refs in calls.items():
        for element, called in refs:
            if not called:
                raise DeploymentRefused("调用活动 callActivity 须设置 calledElement", file=where[key], element=element)
            if called in calls or called in stored:
                continue
            bundle = resolve(called) if resolve else None
            if bundle is None:
                raise DeploymentRefused(f"调用的流程 {called} 既不在本次部署中，也未曾部署",
                                        file=where[key], element=element)
            stored[called] = bundle
            for other, callees in bundle.bundle.calls.items():
                graph.setdefault(other, list(callees))
    for key in calls:
        cycle = _cycle_from(key, graph)
        if cycle:
            element = next(e for e, called in calls[key] if called == cycle[1])
            raise DeploymentRefused(f"调用活动形成循环调用：{' → '.join(cycle)}", file=where[key], element=element)
    return stored, graph


def _cycle_from(start: str, graph: Graph) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for callee in graph.get(node, []):
            if callee == start:
                return path + [callee]
            if callee not in seen:
                seen.add(callee)
                stack.append((callee, path + [callee]))
    return None


def reachable(key: str, graph: Graph) -> list[str]:
    """Return every process `key` calls, directly or not."""
    found, pending = [], list(graph.get(key, []))
    while pending:
        callee = pending.pop()
        if callee not in found:
            found.append(callee)
            pending.extend(graph.get(callee, []))
    return found


def subprocess_specs(parser: Any, key: str, stored: Mapping[str, StoredProcess]) -> dict[str, Any]:
    """Return the specs (objects, or stored dicts for bound versions) a process needs to run."""
    specs, pending = {}, [key]
    while pending:
        for task_spec in parser.get_spec(pending.pop()).task_specs.values():
            name = task_spec.spec if isinstance(task_spec, SubWorkflowTask) else None
            if name is None or name in specs:
                continue
            if name in stored:
                specs[name] = stored[name].spec
                for other, spec in stored[name].subprocess_specs.items():
                    specs.setdefault(other, spec)
            else:
                specs[name] = parser.get_spec(name)
                pending.append(name)
    return specs


def call_bundle(key: str, graph: Graph, deployed: Mapping[str, Activities],
                stored: Mapping[str, StoredProcess]) -> CallBundle:
    """Return what a definition keeps of the processes it calls: those of this deployment (`deployed`) and
    those bound to stored versions."""
    known: dict[str, Activities] = {}
    for name, process in stored.items():
        known.update(process.bundle.called)
        known[name] = process.activities
    known.update(deployed)
    called = reachable(key, graph)
    return CallBundle({k: known[k] for k in called}, {k: list(graph.get(k, [])) for k in [key, *called]})


# -- at run time: a called process runs in its case's workflow and is shown as a process instance of its own ----

def instance_of(task: Any, called: Mapping[str, Any]) -> str | None:
    """Return the id of the called process instance a task runs in (its call activity instance's), or None when it
    runs in the case's own process."""
    workflow = task.workflow
    while workflow.depth > 0:
        if workflow.spec.name in called and _is_call(_task(workflow.top_workflow, workflow.parent_task_id)):
            return str(workflow.parent_task_id)
        try:
            workflow = workflow.parent_workflow
        except TaskNotFoundException:  # its call was cancelled and dropped with the branch that held it
            return str(workflow.parent_task_id) if workflow.spec.name in called else None
    return None


def _task(workflow: Any, task_id: Any) -> Any:
    try:
        return workflow.get_task_from_id(task_id)
    except TaskNotFoundException:
        return None


def _is_call(task: Any) -> bool:
    """A dropped task (None) is taken for a call: only a call activity's workflow bears a called process's name."""
    return task is None or isinstance(task.task_spec, MappedCallActivity)


def call_instances(workflow: Any, called: Mapping[str, Any], started: list[Activity], ended: list[Activity],
                   cancelled: list[Activity]) -> list[CallInstance]:
    """Return the called instances a command started or ended, and those still running (their data may have
    changed), each with its data as its own process holds it."""
    states = {str(task.id): "ACTIVE" for task in workflow.get_tasks(state=TaskState.STARTED)
              if isinstance(task.task_spec, MappedCallActivity)}
    states.update({a.id: "COMPLETED" for a in ended if a.type == "callActivity"})
    states.update({a.id: "EXTERNALLY_TERMINATED" for a in cancelled if a.type == "callActivity"})
    new = {a.id for a in started}
    found = []
    for task_id, state in states.items():
        task = _task(workflow, UUID(task_id))
        if task is None or not isinstance(task.task_spec, MappedCallActivity):  # None: dropped with a cancelled branch
            continue
        sub = workflow.subprocesses.get(task.id)
        of_super, key = task.task_spec.business_key(task) if task_id in new else (False, None)
        found.append(CallInstance(task_id, instance_of(task, called), task.task_spec.spec, task.task_spec.bpmn_id,
                                  state, case_data(sub, dict(called)) if sub is not None else {}, key, of_super,
                                  started=task_id in new, definition_id=bound_id(task)))
    return found
