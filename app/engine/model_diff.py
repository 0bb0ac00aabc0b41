"""Two versions of a BPMN file compared as a designer reads them: the text with its formatting made the same
(indentation, attribute order, line breaks), and which elements were added, removed, changed or only moved."""

import copy
from dataclasses import dataclass, field

from lxml import etree

BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_LAYOUT = (BPMNDI, DC, DI)


@dataclass(frozen=True)
class ElementDiff:
    """Element ids of the process (not of its drawing) in each class of change; `moved`: only drawn elsewhere."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed, "moved": self.moved}


def _parse(xml: str) -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(xml.encode("utf-8"), parser)


def _normalised(root: etree._Element) -> etree._Element:
    """The same document with each element's attributes in one order and blank text dropped."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        attributes = sorted(element.attrib.items())
        element.attrib.clear()
        for name, value in attributes:
            element.set(name, value)
        if element.text is not None and not element.text.strip() and len(element):
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return root


def canonical_lines(xml: str) -> list[str]:
    """The file's lines as one formatting writes them, so a diff shows only what changed in meaning."""
    try:
        root = _normalised(_parse(xml))
    except etree.XMLSyntaxError:
        return xml.splitlines()
    text: str = etree.tostring(root, pretty_print=True, encoding="unicode")
    return text.splitlines()


def _namespace(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def _semantic(root: etree._Element) -> dict[str, str]:
    """Each process element with an id: its own content (elements inside it that have ids compared apart)."""
    found = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or _namespace(element) in _LAYOUT or element.get("id") is None:
            continue
        own = copy.deepcopy(element)
        for inner in list(own.iter())[1:]:
            if isinstance(inner.tag, str) and inner.get("id") is not None and inner.getparent() is not None:
                inner.getparent().remove(inner)
        for name in ("incoming", "outgoing"):  # follow from the flows, which are compared themselves
            for ref in own.findall(f"{{{etree.QName(element).namespace}}}{name}"):
                own.remove(ref)
        found[element.get("id")] = etree.tostring(_normalised(own), encoding="unicode")
    return found


def _layout(root: etree._Element) -> dict[str, str]:
    """Where each element is drawn (its shape's bounds or its edge's waypoints), by the element's id."""
    drawn = {}
    for element in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"):
        target = element.get("bpmnElement")
        if target:
            drawn[target] = etree.tostring(_normalised(copy.deepcopy(element)), encoding="unicode")
    return drawn


def element_diff(old_xml: str, new_xml: str) -> ElementDiff:
    """Which elements of the process were added, removed, changed, or only moved on the drawing."""
    try:
        old_root, new_root = _parse(old_xml), _parse(new_xml)
    except etree.XMLSyntaxError:
        return ElementDiff()
    old, new = _semantic(old_root), _semantic(new_root)
    old_drawn, new_drawn = _layout(old_root), _layout(new_root)
    kept = sorted(old.keys() & new.keys())
    changed = [i for i in kept if old[i] != new[i]]
    moved = [i for i in kept if old[i] == new[i] and old_drawn.get(i) != new_drawn.get(i)]
    return ElementDiff(sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys()), changed, moved)


def process_ids(xml: str) -> list[str]:
    """The ids of the processes a BPMN file defines (the keys a deployment of it versions), in file order."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError:
        return []
    return [e.get("id") for e in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process") if e.get("id")]


def element_names(xml: str) -> dict[str, str]:
    """Each named element's name, by id (what a designer calls a step)."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError:
        return {}
    return {e.get("id"): e.get("name") for e in root.iter() if isinstance(e.tag, str) and e.get("id") and e.get("name")}
