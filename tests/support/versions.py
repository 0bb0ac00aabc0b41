"""Two versions of one process for the migration and modification tests: version 1 is a → b (with a
non-interrupting timer) → c; version 2 renames a step and adds one."""

V1 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a" />
    <bpmn:userTask id="a" name="受理" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />
    <bpmn:userTask id="b" name="审核" camunda:candidateGroups="window" />
    <bpmn:boundaryEvent id="late" attachedToRef="b" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P10D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="late_end" /><bpmn:endEvent id="late_end" />
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c" />
    <bpmn:userTask id="c" name="审批" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""
# version 2: `b` renamed `review` (its timer with it), a new step `check` before `c`
V2 = (V1.replace('id="b" name="审核"', 'id="review" name="复核"').replace('sourceRef="a" targetRef="b"',
                                                                     'sourceRef="a" targetRef="review"')
      .replace('attachedToRef="b"', 'attachedToRef="review"')
      .replace('<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c" />',
               '<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="check" />'
               '<bpmn:userTask id="check" name="抽查" camunda:candidateGroups="window" />'
               '<bpmn:sequenceFlow id="f6" sourceRef="check" targetRef="c" />'))
