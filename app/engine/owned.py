"""The variables a process sets itself: what its scripts assign, its decision tables return, its multi-instance
activities and message events write. No client may set them (app/services/inputs.py)."""

import ast
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag

from .sandbox import parse_source

CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"


def owned_names(process: Any) -> set[str]:
    """Return the names of the variables the process element `process` sets itself."""
    names: set[str] = set()
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == full_tag("scriptTask"):
            names |= assigned_names(el.findtext(full_tag("script")) or "")
        elif el.tag == full_tag("messageEventDefinition") and el.get("messageRef"):
            names |= {_message_name(el), el.get(CAMUNDA + "resultVariable")} - {None}
        elif el.tag == full_tag("outputDataItem"):
            names.add(el.get("name") or el.get("id"))
        elif el.tag == full_tag("loopDataOutputRef"):
            names.add((el.text or "").strip())
        for attr in ("resultVariable", "elementVariable"):
            if el.get(CAMUNDA + attr):
                names.add(el.get(CAMUNDA + attr))
        if el.tag in (CAMUNDA + "outputParameter", CAMUNDA + "out") and (el.get("name") or el.get("target")):
            names.add(el.get("name") or el.get("target"))
    return names - {""}


def assigned_names(script: str) -> set[str]:
    """Return the variables a (checked) script assigns."""
    try:
        tree = parse_source(script, "exec")
    except (SyntaxError, ValueError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _message_name(definition: Any) -> str | None:
    """The name of the message an event catches: a message payload lands in the variable of that name."""
    ref = definition.get("messageRef")
    found = definition.getroottree().getroot().find(f"{full_tag('message')}[@id='{ref}']")
    name: str | None = found.get("name") if found is not None else ref
    return name
