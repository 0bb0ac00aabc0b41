"""Templates for the hostile-diagram catalogue: minimal BPMN and DMN files around one attack."""

from xml.sax.saxutils import escape, quoteattr

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>"""


def process(key: str, body: str) -> str:
    return HEAD.format(key=key, body=body)


def around(key: str, activity: str) -> str:
    """start -> `activity` (id t) -> end."""
    return process(key, f"""<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    {activity}
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />""")


def script(key: str, code: str) -> str:
    return around(key, f'<bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>{escape(code)}</bpmn:script>'
                       '</bpmn:scriptTask>')


def user_task(key: str, **attributes: str) -> str:
    attributes = {"candidateGroups": "window", **attributes}
    attrs = " ".join(f"camunda:{name}={quoteattr(value)}" for name, value in attributes.items())
    return around(key, f'<bpmn:userTask id="t" {attrs} />')


def condition(key: str, expression: str) -> str:
    """An exclusive gateway whose first flow carries the hostile condition."""
    return process(key, f"""<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g" />
    <bpmn:exclusiveGateway id="g" default="f3" />
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{escape(expression)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e" /><bpmn:endEvent id="e" />""")


def timer(key: str, kind: str, expression: str) -> str:
    return around(key, f"""<bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition id="td">
      <bpmn:{kind}>{escape(expression)}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>""")


def multi_instance(key: str, cardinality: str) -> str:
    return around(key, f"""<bpmn:userTask id="t" camunda:candidateGroups="window">
      <bpmn:multiInstanceLoopCharacteristics>
      <bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
      </bpmn:userTask>""")


def multi_instance_script(key: str) -> str:
    return around(key, """<bpmn:scriptTask id="t" scriptFormat="python"><bpmn:multiInstanceLoopCharacteristics>
      <bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>""")


def script_loop(key: str) -> str:
    """A script task that a gateway sends back to itself for ever."""
    return process(key, """<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="g" />
    <bpmn:exclusiveGateway id="g" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="t">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${true}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="e" /><bpmn:endEvent id="e" />""")


def call_activity(key: str, called: str) -> str:
    return around(key, f'<bpmn:callActivity id="t" calledElement="{called}" />')


def decision_task(key: str, decision: str) -> str:
    return around(key, f'<bpmn:businessRuleTask id="t" camunda:decisionRef="{decision}" />')


def dmn(decision: str, input_expression: str = "amount", input_entry: str = "&lt; 100",
        output_entry: str = '"low"') -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_{decision}" name="x"
  namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="{decision}" name="x">
    <decisionTable id="table_{decision}" hitPolicy="FIRST">
      <input id="in1" label="amount"><inputExpression id="ie1" typeRef="number">
        <text>{input_expression}</text></inputExpression></input>
      <output id="out1" name="tier" typeRef="string" />
      <rule id="r1"><inputEntry id="c1"><text>{input_entry}</text></inputEntry>
        <outputEntry id="o1"><text>{output_entry}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def message_start(key: str, message: str, carried: str = "township", task: str = "核实") -> str:
    """A process that starts only at the message `message` (carrying the variable `carried`) and waits at a window
    task named `task`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">
  <bpmn:message id="M" name="{message}"/>
  <bpmn:process id="{key}" name="主动发现" isExecutable="true">
    <bpmn:startEvent id="found"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="variables" value="{carried}"/></camunda:properties></bpmn:extensionElements>
      <bpmn:messageEventDefinition id="md" messageRef="M"/></bpmn:startEvent>
    <bpmn:userTask id="t" name="{task}" camunda:candidateGroups="window" /><bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="found" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""
