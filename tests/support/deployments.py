"""Deploy BPMN files as Camunda Modeler does (multipart POST /deployment/create)."""

import io
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

FIXTURES = Path(__file__).parent.parent / "fixtures"


def deploy_files(api, files: dict[str, str | bytes], name: str = "test", **form: str):
    """POST the files as Camunda Modeler does (multipart, encoded here so large bodies need no spooled file);
    `form`: further fields of the deployment, such as tenant-id or enable-duplicate-filtering."""
    data = {"deployment-name": name, **form}
    for filename, content in files.items():
        raw = content if isinstance(content, bytes) else content.encode()
        data[filename] = FileStorage(io.BytesIO(raw), filename=filename)
    boundary, payload = encode_multipart(data)
    return api.client.post("/engine-rest/deployment/create", data=payload, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")


def deploy_fixture(api, filename: str):
    """Deploy tests/fixtures/`filename`; fail the test if it is refused."""
    response = deploy_files(api, {filename: (FIXTURES / filename).read_bytes()})
    assert response.status_code == 200, response.json
    return response.json


def window_process(key: str, name: str, ttl: str | None = None, reminder: str | None = None) -> str:
    """A process start → 受理 (the window's) → end, named `name` (pages show a process by its name), with
    `camunda:historyTimeToLive` = `ttl` when given, and a non-interrupting reminder timer on 受理 after the
    duration `reminder` when given."""
    attribute = f' camunda:historyTimeToLive="{ttl}"' if ttl is not None else ""
    timer = "" if reminder is None else f"""
    <bpmn:boundaryEvent id="remind" cancelActivity="false" attachedToRef="t">
      <bpmn:timerEventDefinition><bpmn:timeDuration>{reminder}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="reminded" /><bpmn:endEvent id="reminded" />"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">
  <bpmn:process id="{key}" name="{name}" isExecutable="true"{attribute}>
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" name="受理" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />{timer}
  </bpmn:process>
</bpmn:definitions>"""


def calling_process(key: str, name: str, called: str) -> str:
    """A process kept 30 days (`camunda:historyTimeToLive` P30D): a call activity of `called`, then the window's
    审核, so the case runs on after the instance it called has ended."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">
  <bpmn:process id="{key}" name="{name}" isExecutable="true" camunda:historyTimeToLive="P30D">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="c" />
    <bpmn:callActivity id="c" name="被调用" calledElement="{called}" />
    <bpmn:sequenceFlow id="f2" sourceRef="c" targetRef="t" />
    <bpmn:userTask id="t" name="审核" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""

def minimal_process(key: str, body: str, first: str = "t") -> str:
    """A process start → `first` → end, with `body` declaring `first`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="{first}" />
    {body}
    <bpmn:sequenceFlow id="f2" sourceRef="{first}" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""
