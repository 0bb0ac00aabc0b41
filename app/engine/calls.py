"""Call activities: bind each called process at deploy time and refuse unknown or cyclic calls.

A called process comes from the same deployment or, failing that, is the latest deployed
version; its spec, the specs it calls and its activity metadata are copied into the
caller's definition, so a case keeps the called version it started with.
"""

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from app.domain.errors import DeploymentRefused

# key -> {"spec", "subprocess_specs", "called", "calls", "activities"} of a stored definition, or None
Resolver = Callable[[str], dict[str, Any] | None]


def calls_of(node: Any) -> list[tuple[str, str | None]]:
    """Return (call activity id, calledElement) for each call activity of a process element."""
    return [(el.get("id"), el.get("calledElement")) for el in node.iter(full_tag("callActivity"))]


def resolve_calls(calls: dict[str, list[Any]], where: dict[str, str], resolve: Resolver | None) -> tuple[dict[str,
                  Any], dict[str, Any]]:
    """Return (stored bundles by key, call graph); refuse an unknown calledElement or a cycle."""
    stored, graph = {}, {key: [called for _, called in refs] for key, refs in calls.items()}
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
            for other, callees in bundle.get("calls", {}).items():
                graph.setdefault(other, callees)
    for key in calls:
        cycle = _cycle_from(key, graph)
        if cycle:
            element = next(e for e, called in calls[key] if called == cycle[1])
            raise DeploymentRefused(f"调用活动形成循环调用：{' → '.join(cycle)}", file=where[key], element=element)
    return stored, graph


def _cycle_from(start: str, graph: dict[str, list[Any]]) -> list[str] | None:
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


def reachable(key: str, graph: dict[str, list[Any]]) -> list[str]:
    """Return every process `key` calls, directly or not."""
    found, pending = [], list(graph.get(key, []))
    while pending:
        callee = pending.pop()
        if callee not in found:
            found.append(callee)
            pending.extend(graph.get(callee, []))
    return found


def subprocess_specs(parser: Any, key: str, stored: dict[str, Any]) -> dict[str, Any]:
    """Return the specs (objects, or stored dicts for bound versions) a process needs to run."""
    specs, pending = {}, [key]
    while pending:
        for task_spec in parser.get_spec(pending.pop()).task_specs.values():
            name = task_spec.spec if isinstance(task_spec, SubWorkflowTask) else None
            if name is None or name in specs:
                continue
            if name in stored:
                specs[name] = stored[name]["spec"]
                for other, spec in stored[name]["subprocess_specs"].items():
                    specs.setdefault(other, spec)
            else:
                specs[name] = parser.get_spec(name)
                pending.append(name)
    return specs


def call_bundle(key: str, graph: dict[str, list[Any]], activities: dict[str, dict[str, Any]], stored: dict[str,
                Any]) -> dict[str, Any]:
    """Return what a definition keeps of the processes it calls: their activities and the call graph."""
    known = {}
    for name, bundle in stored.items():
        known.update(bundle.get("called", {}))
        known[name] = bundle["activities"]
    known.update(activities)
    called = reachable(key, graph)
    return {"called": {k: known[k] for k in called},
            "calls": {k: graph.get(k, []) for k in [key, *called]}}
