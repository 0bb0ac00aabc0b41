"""Every element of a shipped process is drawn: a sequence flow without its BPMNEdge is executed but invisible on
the case page, the supervisor's heatmap and in the modeler (whose lint reports it as an error)."""

from pathlib import Path
from xml.etree import ElementTree

import pytest

WORKFLOWS = Path(__file__).parents[2] / "workflows"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DRAWN_KINDS = {"sequenceFlow", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "callActivity",
               "sendTask", "receiveTask", "subProcess", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
               "eventBasedGateway", "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
               "boundaryEvent"}


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_flow_and_element_of_a_shipped_process_is_on_its_diagram(path):
    root = ElementTree.parse(path).getroot()
    elements = {e.get("id") for process in root.iter(f"{BPMN}process") for e in process.iter()
                if e.tag.removeprefix(BPMN) in DRAWN_KINDS}
    drawn = {e.get("bpmnElement") for e in root.iter() if e.get("bpmnElement")}
    assert sorted(elements - drawn) == []
