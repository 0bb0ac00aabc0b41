"""The public Camunda 7 example and test diagrams kept in tests/models/sets/, and the one change the issue allows
to them: a Java delegate (`camunda:class`, `camunda:delegateExpression`, `camunda:expression` on a service or send
task) made an external task whose topic is the task's id."""

import json
from pathlib import Path

from lxml import etree

SETS = Path(__file__).parents[1] / "models" / "sets"
# a one-process diagram as Camunda Modeler writes it, around `body`
PROCESS = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/'
           'MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
           '<bpmn:process id="{key}" isExecutable="true">\n{body}\n</bpmn:process>\n</bpmn:definitions>')
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
JAVA = ("class", "delegateExpression", "expression", "resultVariable")


def set_names() -> list[str]:
    return sorted(p.name for p in SETS.iterdir() if (p / "set.json").exists())


def description(name: str) -> dict:
    return json.loads((SETS / name / "set.json").read_text())


def files(name: str) -> dict[str, bytes]:
    """The files of a set as they are deployed: as published, with Java delegates made external if the set says."""
    folder, about = SETS / name, description(name)
    found = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
             if p.is_file() and p.name.endswith((".bpmn", ".bpmn20.xml", ".dmn", ".form"))}
    if about.get("javaDelegatesMadeExternal"):
        found = {n: externalize_java(c) if n.endswith((".bpmn", ".bpmn20.xml")) else c for n, c in found.items()}
    return found


def externalize_java(content: bytes) -> bytes:
    """Each service or send task that runs Java becomes an external task with its id as topic; nothing else
    changes."""
    root = etree.fromstring(content)
    for task in root.iter(f"{BPMN}serviceTask", f"{BPMN}sendTask"):
        if not any(task.get(CAMUNDA + attr) for attr in JAVA[:3]):
            continue
        for attr in JAVA:
            task.attrib.pop(CAMUNDA + attr, None)
        task.set(CAMUNDA + "type", "external")
        task.set(CAMUNDA + "topic", task.get("id"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
