"""A caller whose call passes out a variable `secret` that a version of the called process's form may mark
personal (as a name), and what it looks like masked."""

import json

from tests.support.deployments import minimal_process

SECRET, MASKED = "甄秘名", "甄**"  # marked as a name: masked as one


def marked_form(form_id: str, personal: bool) -> str:
    """A form of one field, `secret`, marked personal (a name) or not."""
    field: dict = {"type": "textfield", "key": "secret", "label": "联系人", "id": "Field_secret"}
    if personal:
        field["properties"] = {"personal": "name"}
    return json.dumps({"id": form_id, "type": "default", "components": [field]}, ensure_ascii=False)


def filling_callee(key: str) -> str:
    """start → 填写联系人 (the window's, with the form `{key}_form` latest at deploy) → end."""
    return minimal_process(key, f'<bpmn:userTask id="inside" name="填写联系人" camunda:candidateGroups="window" '
                                f'camunda:formRef="{key}_form" camunda:formRefBinding="latest" />', first="inside")


def relaying_caller(key: str, callee: str) -> str:
    """start → call → 抄录 (a script) → 复核 (a wait state) → end; the call passes `secret` out as itself and as
    `relayed`, and the script copies `relayed` into `copied`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />
    <bpmn:callActivity id="call" calledElement="{callee}">
      <bpmn:extensionElements>
        <camunda:out source="secret" target="secret" />
        <camunda:out source="secret" target="relayed" />
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="copy" />
    <bpmn:scriptTask id="copy" name="抄录" scriptFormat="python"><bpmn:script>copied = relayed</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="copy" targetRef="review" />
    <bpmn:userTask id="review" name="复核" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""
