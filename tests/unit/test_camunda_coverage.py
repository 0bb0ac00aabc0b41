"""Every element of Camunda 7's BPMN schema and every `camunda:` attribute and extension element of the modeler's
schema either deploys (and then runs as Camunda runs it: the behaviour tests in tests/e2e/test_camunda_models.py)
or is refused naming the element and what is unsupported. Nothing is accepted and silently ignored.

The schemas are Camunda's own files, kept in tests/models/schema/ (see its SOURCES.md).
"""

import json
from pathlib import Path

import pytest
from lxml import etree

from app.domain.errors import DeploymentRefused
from app.engine.camunda_model import ATTRIBUTES, ELEMENTS, EXTENSIONS
from app.engine.parser import parse_bpmn_files

SCHEMA = Path(__file__).parents[1] / "models" / "schema"
XSD = "{http://www.w3.org/2001/XMLSchema}"


def _xsd_elements() -> list[str]:
    root = etree.parse(str(SCHEMA / "Semantic.xsd")).getroot()
    return sorted(el.get("name") for el in root.findall(f"{XSD}element")
                  if el.get("abstract") != "true")


def _moddle() -> dict:
    return json.loads((SCHEMA / "camunda.json").read_text())


def _camunda_attributes() -> list[tuple[str, str]]:
    """(camunda type, attribute) for every attribute the modeler can write on a BPMN element."""
    found = []
    for kind in _moddle()["types"]:
        if not kind.get("extends"):
            continue
        for prop in kind.get("properties", []):
            if prop.get("isAttr"):
                found.append((kind["name"], prop["name"].split(":")[-1]))
    return found


def _camunda_elements() -> list[str]:
    """Every extension element the modeler can write (types placed in extensionElements or inside one)."""
    names = set()
    for kind in _moddle()["types"]:
        if kind.get("extends") or kind["name"] in ("InOutBinding", "InputOutputParameter",
                                                   "InputOutputParameterDefinition", "Collectable"):
            continue
        names.add(kind["name"][0].lower() + kind["name"][1:])
    return sorted(names)


DEFS = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">{root}'
        '<bpmn:process id="p" isExecutable="true">{body}</bpmn:process></bpmn:definitions>')
FLOW = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="{first}"/>{node}'
        '<bpmn:sequenceFlow id="f2" sourceRef="{last}" targetRef="e"/><bpmn:endEvent id="e"/>')


def _deploy(body: str, root: str = "") -> None:
    parse_bpmn_files({"m.bpmn": DEFS.format(root=root, body=body).encode()})


def _in_flow(node: str, first: str = "x", last: str = "x") -> str:
    return FLOW.format(node=node, first=first, last=last)


def _outcome(body: str, root: str = "") -> DeploymentRefused | None:
    try:
        _deploy(body, root)
    except DeploymentRefused as err:
        return err
    return None


def _refused_naming(err: DeploymentRefused | None, element: str | None, words: str) -> bool:
    return err is not None and words in err.message and (err.element == element or err.line is not None)


# A diagram in which each BPMN element the service runs appears as Camunda Modeler writes it.
RUNS = {
    "task": _in_flow('<bpmn:task id="x"/>'),
    "userTask": _in_flow('<bpmn:userTask id="x"/>'),
    "manualTask": _in_flow('<bpmn:manualTask id="x"/>'),
    "scriptTask": _in_flow('<bpmn:scriptTask id="x" scriptFormat="python"><bpmn:script>a = 1</bpmn:script>'
                           '</bpmn:scriptTask>'),
    "serviceTask": _in_flow('<bpmn:serviceTask id="x" camunda:type="external" camunda:topic="t"/>'),
    "receiveTask": _in_flow('<bpmn:receiveTask id="x" messageRef="m"/>'),
    "callActivity": None,  # needs a second process: tests/e2e/test_call_activity.py
    "businessRuleTask": None,  # needs a DMN file: tests/e2e/test_camunda_dmn.py
    "subProcess": _in_flow('<bpmn:subProcess id="x"><bpmn:startEvent id="ss"/><bpmn:sequenceFlow id="sf" '
                           'sourceRef="ss" targetRef="se"/><bpmn:endEvent id="se"/></bpmn:subProcess>'),
    "exclusiveGateway": _in_flow('<bpmn:exclusiveGateway id="x"/>'),
    "parallelGateway": _in_flow('<bpmn:parallelGateway id="x"/>'),
    "inclusiveGateway": _in_flow('<bpmn:inclusiveGateway id="x"/>'),
    "eventBasedGateway": _in_flow('<bpmn:eventBasedGateway id="x"/><bpmn:sequenceFlow id="g" sourceRef="x" '
                                  'targetRef="c"/><bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition '
                                  'messageRef="m"/></bpmn:intermediateCatchEvent>', last="c"),
    "intermediateCatchEvent": _in_flow('<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition>'
                                       '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
                                       '</bpmn:intermediateCatchEvent>'),
    "intermediateThrowEvent": _in_flow('<bpmn:intermediateThrowEvent id="x"/>'),
    "boundaryEvent": _in_flow('<bpmn:userTask id="x"/><bpmn:boundaryEvent id="b" attachedToRef="x">'
                              '<bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>'
                              '<bpmn:sequenceFlow id="bf" sourceRef="b" targetRef="e"/>'),
    "escalationEventDefinition": _in_flow(
        '<bpmn:subProcess id="x"><bpmn:startEvent id="ss"/><bpmn:sequenceFlow id="sf" sourceRef="ss" targetRef="se"/>'
        '<bpmn:endEvent id="se"><bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:endEvent></bpmn:subProcess>'
        '<bpmn:boundaryEvent id="b" attachedToRef="x" cancelActivity="false"><bpmn:escalationEventDefinition '
        'escalationRef="esc"/></bpmn:boundaryEvent><bpmn:sequenceFlow id="bf" sourceRef="b" targetRef="e"/>'
        '<bpmn:intermediateThrowEvent id="t"><bpmn:escalationEventDefinition escalationRef="esc"/>'
        '</bpmn:intermediateThrowEvent>'),
    "transaction": _in_flow(
        '<bpmn:transaction id="x"><bpmn:startEvent id="ts"/><bpmn:sequenceFlow id="tf" sourceRef="ts" targetRef="te"/>'
        '<bpmn:endEvent id="te"><bpmn:cancelEventDefinition/></bpmn:endEvent></bpmn:transaction>'
        '<bpmn:boundaryEvent id="b" attachedToRef="x"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>'
        '<bpmn:sequenceFlow id="bf" sourceRef="b" targetRef="e"/>'),
    "linkEventDefinition": FLOW.format(
        node='<bpmn:intermediateThrowEvent id="x"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateThrowEvent>'
             '<bpmn:intermediateCatchEvent id="c"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>',
        first="x", last="c"),
    "conditionalEventDefinition": _in_flow(
        '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition><bpmn:condition '
        'xsi:type="bpmn:tFormalExpression">${a &gt; 1}</bpmn:condition></bpmn:conditionalEventDefinition>'
        '</bpmn:intermediateCatchEvent>'),
    "endEvent": _in_flow('<bpmn:endEvent id="x"><bpmn:terminateEventDefinition/></bpmn:endEvent>'),
    "startEvent": _in_flow('<bpmn:task id="x"/>'),
    "sequenceFlow": _in_flow('<bpmn:exclusiveGateway id="x" default="f2"/>'),
    "conditionExpression": _in_flow('<bpmn:exclusiveGateway id="x" default="f2"/><bpmn:sequenceFlow id="c1" '
                                    'sourceRef="x" targetRef="e"><bpmn:conditionExpression '
                                    'xsi:type="bpmn:tFormalExpression">${a &gt; 1}</bpmn:conditionExpression>'
                                    '</bpmn:sequenceFlow>'),
    "multiInstanceLoopCharacteristics": _in_flow('<bpmn:userTask id="x"><bpmn:multiInstanceLoopCharacteristics '
                                                 'camunda:collection="${items}" camunda:elementVariable="item"/>'
                                                 '</bpmn:userTask>'),
    "loopCardinality": _in_flow('<bpmn:userTask id="x"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>'
                                '3</bpmn:loopCardinality><bpmn:completionCondition>${a}</bpmn:completionCondition>'
                                '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>'),
    "laneSet": '<bpmn:laneSet id="ls"><bpmn:lane id="l"><bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:childLaneSet '
               'id="cls"/></bpmn:lane></bpmn:laneSet>' + _in_flow('<bpmn:task id="x"/>'),
    "documentation": _in_flow('<bpmn:task id="x"><bpmn:documentation>d</bpmn:documentation></bpmn:task>')
    + ('<bpmn:textAnnotation id="ta"><bpmn:text>t</bpmn:text></bpmn:textAnnotation>'
                              '<bpmn:association id="as" sourceRef="x" targetRef="ta"/>'
                              '<bpmn:group id="gr" categoryValueRef="cv"/>'),
    "dataObject": _in_flow('<bpmn:task id="x"><bpmn:property id="pr" name="__targetRef_placeholder"/>'
                           '<bpmn:dataInputAssociation id="di"><bpmn:sourceRef>dr</bpmn:sourceRef><bpmn:targetRef>pr'
                           '</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task><bpmn:dataObject id="do"/>'
                           '<bpmn:dataObjectReference id="dr" dataObjectRef="do"/>'
                           '<bpmn:dataStoreReference id="ds"/>'),
}
ROOTS = ('<bpmn:message id="m" name="m"/><bpmn:error id="err" errorCode="E"/>'
         '<bpmn:escalation id="esc" escalationCode="X"/><bpmn:category id="cat">'
         '<bpmn:categoryValue id="cv" value="v"/></bpmn:category>')


@pytest.mark.parametrize("name", [n for n, body in RUNS.items() if body])
def test_each_element_the_service_runs_deploys_as_the_modeler_writes_it(name):
    _deploy(RUNS[name], ROOTS)


@pytest.mark.parametrize("name", _xsd_elements())
def test_every_element_of_the_bpmn_schema_runs_or_is_refused_by_name(name):
    """Placed in a process as it comes, an element either deploys (and is one the tables say runs) or is refused
    naming it."""
    err = _outcome(_in_flow('<bpmn:task id="t"/>', "t", "t") + f'<bpmn:{name} id="x"/>', ROOTS)
    if err is None:
        assert name in ELEMENTS and not isinstance(ELEMENTS[name], str), name
    else:
        assert err.element == "x" or err.line is not None, (name, err.message)
        assert name in err.message, (name, err.message)


@pytest.mark.parametrize("name", sorted(n for n, rule in ELEMENTS.items() if isinstance(rule, str)))
def test_each_refused_element_is_refused_naming_it_and_why(name):
    err = _outcome(_in_flow('<bpmn:task id="t"/>', "t", "t") + f'<bpmn:{name} id="x"/>', ROOTS)
    assert _refused_naming(err, "x", ELEMENTS[name]), (name, err and err.message)


HOSTS = {"bpmn:UserTask": '<bpmn:userTask id="x" {attr}/>', "bpmn:StartEvent": None,
         "bpmn:Process": None, "bpmn:ServiceTask": '<bpmn:serviceTask id="x" camunda:type="external" '
                                                   'camunda:topic="t" {attr}/>',
         "bpmn:BusinessRuleTask": None, "bpmn:CallActivity": None, "bpmn:ScriptTask": None}
SAMPLES = {"dueDate": "2026-01-01T00:00:00+08:00", "followUpDate": "2026-01-01T00:00:00+08:00", "priority": "5",
           "taskPriority": "5",
           "formRefBinding": "latest", "type": "external", "async": "true", "asyncBefore": "true",
           "asyncAfter": "true", "exclusive": "true"}


def _with_attribute(host: str, attr: str) -> str:
    value = SAMPLES.get(attr, "v")
    written = f'camunda:{attr}="{value}"'
    templates = {
        "bpmn:Process": None,
        "bpmn:StartEvent": None,
        "bpmn:UserTask": f'<bpmn:userTask id="x" {written}/>',
        "bpmn:ServiceTask": '<bpmn:serviceTask id="x" camunda:topic="t" camunda:type="external"/>'
        if attr in ("type", "topic") else f'<bpmn:serviceTask id="x" camunda:topic="t" camunda:type="external" '
                                          f'{written}/>',
        "bpmn:ScriptTask": f'<bpmn:scriptTask id="x" {written}><bpmn:script>a = 1</bpmn:script></bpmn:scriptTask>',
        "bpmn:CallActivity": f'<bpmn:callActivity id="x" calledElement="p2" {written}/>',
        "bpmn:MultiInstanceLoopCharacteristics": f'<bpmn:task id="x"><bpmn:multiInstanceLoopCharacteristics '
                                                 f'{written}><bpmn:loopCardinality>2</bpmn:loopCardinality>'
                                                 '</bpmn:multiInstanceLoopCharacteristics></bpmn:task>',
    }
    return templates.get(host) or f'<bpmn:task id="x" {written}/>'


def _attribute_cases() -> list[tuple[str, str]]:
    return sorted({(attr, "bpmn:UserTask" if attr in ("assignee", "candidateGroups", "candidateUsers", "dueDate",
                                                       "followUpDate", "priority", "formKey", "formRef",
                                                       "formRefBinding", "formRefVersion", "formHandlerClass")
                    else "bpmn:ServiceTask" if attr in ("type", "topic", "class", "expression", "delegateExpression",
                                                         "resultVariable", "taskPriority")
                    else "bpmn:ScriptTask" if attr == "resource"
                    else "bpmn:CallActivity" if attr.startswith(("calledElement", "case", "variableMapping"))
                    else "bpmn:MultiInstanceLoopCharacteristics" if attr in ("collection", "elementVariable")
                    else "any") for _, attr in _camunda_attributes()})


@pytest.mark.parametrize("attr, host", _attribute_cases())
def test_every_camunda_attribute_runs_or_is_refused_by_name(attr, host):
    """An attribute the modeler writes is either one the table accepts (with Camunda's meaning) or refused naming
    `camunda:<attribute>`; none is unknown to the table."""
    assert attr in ATTRIBUTES, attr
    err = _outcome(_in_flow(_with_attribute(host, attr)), ROOTS + '<bpmn:process id="p2" isExecutable="false"/>')
    if ATTRIBUTES[attr](SAMPLES.get(attr, "v")) is not None:
        assert _refused_naming(err, "x", f"camunda:{attr}"), (attr, err and err.message)
    elif err is not None:  # accepted by the table: only another rule of the element may refuse it
        assert f"camunda:{attr}" not in err.message, (attr, err.message)


def _extension(name: str) -> str:
    inner = {"inputOutput": '<camunda:inputOutput><camunda:inputParameter name="a">${1}</camunda:inputParameter>'
                            '</camunda:inputOutput>',
             "properties": '<camunda:properties><camunda:property name="a" value="b"/></camunda:properties>',
             "taskListener": '<camunda:taskListener event="create"><camunda:script scriptFormat="python">a = 1'
                             '</camunda:script></camunda:taskListener>',
             "executionListener": '<camunda:executionListener event="start"><camunda:script scriptFormat="python">'
                                  'a = 1</camunda:script></camunda:executionListener>'}
    return inner.get(name, f'<camunda:{name}/>')


@pytest.mark.parametrize("name", _camunda_elements())
def test_every_camunda_extension_element_runs_or_is_refused_by_name(name):
    assert name in EXTENSIONS, name
    err = _outcome(_in_flow(f'<bpmn:userTask id="x"><bpmn:extensionElements>{_extension(name)}'
                            '</bpmn:extensionElements></bpmn:userTask>'), ROOTS)
    rule = EXTENSIONS[name]
    if isinstance(rule, str):
        assert _refused_naming(err, "x", rule), (name, err and err.message)
    elif err is not None:
        assert err.element == "x" and f"camunda:{name}" in err.message, (name, err.message)


@pytest.mark.parametrize("script, words", [
    ('<camunda:script scriptFormat="javascript">task.setAssignee(a)</camunda:script>', "JavaScript"),
    ('<camunda:script scriptFormat="groovy">x</camunda:script>', "scriptFormat=\"groovy\""),
])
def test_a_javascript_input_mapping_is_refused_saying_so_not_as_a_syntax_error(script, words):
    err = _outcome(_in_flow(f'<bpmn:userTask id="x"><bpmn:extensionElements><camunda:inputOutput>'
                            f'<camunda:inputParameter name="a">{script}</camunda:inputParameter>'
                            '</camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>'), ROOTS)
    assert _refused_naming(err, "x", words) and "语法错误" not in err.message, err and err.message


@pytest.mark.parametrize("event", [
    '<bpmn:endEvent id="x"><bpmn:cancelEventDefinition/></bpmn:endEvent>',
    '<bpmn:subProcess id="sp"><bpmn:startEvent id="ss"/><bpmn:sequenceFlow id="sf" sourceRef="ss" targetRef="x"/>'
    '<bpmn:endEvent id="x"><bpmn:cancelEventDefinition/></bpmn:endEvent></bpmn:subProcess>',
    '<bpmn:boundaryEvent id="x" attachedToRef="t"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>',
])
def test_a_cancel_event_outside_a_transaction_is_refused_naming_it(event):
    err = _outcome(_in_flow('<bpmn:userTask id="t"/>', "t", "t") + event, ROOTS)
    assert _refused_naming(err, "x", "事务子流程"), err and err.message


CONDITION = ('<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">${a}'
             '</bpmn:condition></bpmn:conditionalEventDefinition>')


@pytest.mark.parametrize("event, words", [
    (f'<bpmn:boundaryEvent id="x" attachedToRef="t">{CONDITION}</bpmn:boundaryEvent>', "只支持中间捕获事件"),
    (f'<bpmn:startEvent id="x">{CONDITION}</bpmn:startEvent>', "只支持中间捕获事件"),
    ('<bpmn:eventBasedGateway id="g"/><bpmn:sequenceFlow id="gf" sourceRef="g" targetRef="x"/>'
     f'<bpmn:intermediateCatchEvent id="x">{CONDITION}</bpmn:intermediateCatchEvent>', "事件网关之后"),
    ('<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition camunda:variableName="a">'
     '<bpmn:condition>${a}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>',
     "camunda:variableName"),
    ('<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition><bpmn:condition language="javascript">'
     'a</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>', "javascript"),
])
def test_a_conditional_event_the_service_cannot_run_as_camunda_is_refused_naming_it(event, words):
    err = _outcome(_in_flow('<bpmn:userTask id="t"/>', "t", "t") + event, ROOTS)
    assert _refused_naming(err, "x", words), err and err.message


LINK_CATCH = '<bpmn:intermediateCatchEvent id="c{n}"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>'


@pytest.mark.parametrize("events, words", [
    ('<bpmn:intermediateThrowEvent id="x"><bpmn:linkEventDefinition/></bpmn:intermediateThrowEvent>', "名称"),
    ('<bpmn:intermediateThrowEvent id="x"><bpmn:linkEventDefinition name="M"/></bpmn:intermediateThrowEvent>'
     + LINK_CATCH.format(n=1), "没有名为 M 的链接捕获事件"),
    ('<bpmn:intermediateThrowEvent id="x"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateThrowEvent>'
     + LINK_CATCH.format(n=1) + LINK_CATCH.format(n=2), "2 个名为 L"),
    ('<bpmn:intermediateThrowEvent id="x"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateThrowEvent>'
     '<bpmn:sequenceFlow id="out" sourceRef="x" targetRef="t"/>' + LINK_CATCH.format(n=1), "出口顺序流"),
    ('<bpmn:endEvent id="x"><bpmn:linkEventDefinition name="L"/></bpmn:endEvent>', "中间抛出或中间捕获"),
])
def test_a_link_event_camunda_would_not_follow_is_refused_naming_it(events, words):
    err = _outcome(_in_flow('<bpmn:userTask id="t"/>', "t", "t") + events, ROOTS)
    assert _refused_naming(err, "x", words), err and err.message


def test_an_element_without_an_id_is_named_by_its_line():
    body = _in_flow('<bpmn:task id="x"/>\n<bpmn:complexGateway/>')
    err = _outcome(body, ROOTS)
    assert err is not None and err.element is None and err.line == 2 and "complexGateway" in err.message


def test_flows_and_elements_without_ids_get_the_same_ids_every_time():
    body = ('<bpmn:startEvent/>\n<bpmn:sequenceFlow sourceRef="StartEvent_1" targetRef="u"/>'.replace(
        "<bpmn:startEvent/>", '<bpmn:startEvent id="StartEvent_1"/>') +
        '\n<bpmn:userTask id="u"/>\n<bpmn:sequenceFlow sourceRef="u" targetRef="e"/>\n<bpmn:endEvent id="e"/>')
    first = parse_bpmn_files({"m.bpmn": DEFS.format(root="", body=body).encode()})[0]
    again = parse_bpmn_files({"m.bpmn": DEFS.format(root="", body=body).encode()})[0]
    flows = sorted(n for n in first.spec["spec"]["task_specs"] if n.startswith("sequenceFlow"))
    assert first.spec == again.spec
    assert "u" in first.spec["spec"]["task_specs"]
    assert first.spec["spec"]["task_specs"]["StartEvent_1"]["outputs"] == ["u"], flows
