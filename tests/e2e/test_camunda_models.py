"""Diagrams drawn for Camunda 7 run as they run on Camunda: id-less flows are followed, a plain task and a manual
task pass through, a user task nobody is offered waits for a supervisor to give it to someone."""

import json
import uuid

from tests.support.camunda_sets import PROCESS
from tests.support.deployments import deploy_files
from tests.support.web_client import Web


def deploy(api, files: dict[str, str]):
    return deploy_files(api, files, "camunda-model")


def _key(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _deployed(login_as, key: str, body: str) -> None:
    response = deploy(login_as("designer"), {f"{key}.bpmn": PROCESS.format(key=key, body=body)})
    assert response.status_code == 200, response.json


def _start(login_as, key: str) -> dict:
    response = login_as("window_cg").post(f"/process-definition/key/{key}/start", json={"businessKey": key})
    assert response.status_code == 200, response.json
    return response.json


def _open_tasks(api, instance_id: str) -> list[dict]:
    return api.get("/task", processInstanceId=instance_id).json


def test_flows_without_ids_are_followed_to_the_task_they_lead_to(login_as):
    key = _key("no_ids")
    _deployed(login_as, key, '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow sourceRef="s" targetRef="u"/>\n'
                             '<bpmn:userTask id="u" camunda:candidateGroups="window"/>\n'
                             '<bpmn:sequenceFlow sourceRef="u" targetRef="e"/>\n<bpmn:endEvent id="e"/>')
    instance = _start(login_as, key)
    window = login_as("window_cg")
    assert window.get(f"/process-instance/{instance['id']}").json["ended"] is False
    assert [t["taskDefinitionKey"] for t in _open_tasks(window, instance["id"])] == ["u"]


def test_a_plain_task_and_a_manual_task_pass_through_without_waiting(login_as):
    key = _key("pass")
    _deployed(login_as, key, '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>'
                             '<bpmn:task id="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="m"/>'
                             '<bpmn:manualTask id="m"/><bpmn:sequenceFlow id="f3" sourceRef="m" targetRef="u"/>'
                             '<bpmn:userTask id="u" camunda:candidateGroups="window"/>'
                             '<bpmn:sequenceFlow id="f4" sourceRef="u" targetRef="e"/><bpmn:endEvent id="e"/>')
    instance = _start(login_as, key)
    window = login_as("window_cg")
    assert [t["taskDefinitionKey"] for t in _open_tasks(window, instance["id"])] == ["u"]
    passed = window.get("/history/activity-instance", processInstanceId=instance["id"]).json
    assert {a["activityId"]: a["activityType"] for a in passed if a["activityId"] in ("a", "m")} == {
        "a": "task", "m": "manualTask"}


def test_a_user_task_offered_to_nobody_is_seen_by_the_supervisor_who_gives_it_to_a_user(login_as):
    key = _key("unassigned")
    _deployed(login_as, key, '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
                             '<bpmn:userTask id="u" name="无人认领"/><bpmn:sequenceFlow id="f2" sourceRef="u" '
                             'targetRef="e"/><bpmn:endEvent id="e"/>')
    instance = _start(login_as, key)
    window, supervisor = login_as("window_cg"), login_as("supervisor")
    assert _open_tasks(window, instance["id"]) == []
    tasks = _open_tasks(supervisor, instance["id"])
    assert [t["taskDefinitionKey"] for t in tasks] == ["u"] and tasks[0]["assignee"] is None
    task_id = tasks[0]["id"]
    assert window.post(f"/task/{task_id}/claim", json={"userId": "window_cg"}).status_code == 403
    refused = supervisor.post(f"/task/{task_id}/assignee", json={"userId": "nobody_here"})
    assert refused.status_code == 400 and refused.json["field"] == "userId"
    assert supervisor.post(f"/task/{task_id}/assignee", json={"userId": "window_cg"}).status_code == 204
    assert [t["assignee"] for t in _open_tasks(window, instance["id"])] == ["window_cg"]
    assert window.post(f"/task/{task_id}/complete", json={"variables": {}}).status_code == 204
    assert window.get(f"/process-instance/{instance['id']}").status_code == 404


def test_a_refusal_names_the_line_of_an_element_without_an_id(login_as):
    key = _key("line")
    body = PROCESS.format(key=key, body='<bpmn:startEvent id="s"/>\n<bpmn:complexGateway/>')
    response = deploy(login_as("designer"), {f"{key}.bpmn": body})
    assert response.status_code == 400
    assert response.json["file"] == f"{key}.bpmn" and response.json["line"] == 5
    assert "complexGateway" in response.json["message"]


def test_listeners_in_the_expression_language_run_when_camunda_runs_them(login_as):
    key = _key("listen")
    listener = ('<camunda:{kind} event="{event}"><camunda:script scriptFormat="python">{code}</camunda:script>'
                '</camunda:{kind}>')
    _deployed(login_as, key, (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
        '<bpmn:userTask id="u" camunda:candidateGroups="window"><bpmn:extensionElements>'
        + listener.format(kind="executionListener", event="start", code="trail = ['start']")
        + listener.format(kind="taskListener", event="create", code="trail = trail + ['create']")
        + listener.format(kind="taskListener", event="complete", code="trail = trail + ['complete:' + answer]")
        + listener.format(kind="executionListener", event="end", code="trail = trail + ['end']")
        + '<camunda:inputOutput><camunda:inputParameter name="hint">plain text</camunda:inputParameter>'
          '<camunda:outputParameter name="shout">${answer + "!"}</camunda:outputParameter></camunda:inputOutput>'
          '</bpmn:extensionElements></bpmn:userTask>'
          '<bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="w"/>'
          '<bpmn:userTask id="w" camunda:candidateGroups="window"/>'
          '<bpmn:sequenceFlow id="f3" sourceRef="w" targetRef="e"/><bpmn:endEvent id="e"/>'))
    instance = _start(login_as, key)
    window = login_as("window_cg")
    [task] = _open_tasks(window, instance["id"])
    assert window.get(f"/process-instance/{instance['id']}/variables").json["trail"]["value"] in (
        '["start", "create"]', ["start", "create"])
    assert window.get(f"/task/{task['id']}/form-variables").json["hint"]["value"] == "plain text"
    assert window.post(f"/task/{task['id']}/complete", json={"variables": {
        "answer": {"value": "yes"}}}).status_code == 204
    found = window.get(f"/process-instance/{instance['id']}/variables").json
    trail = found["trail"]["value"]
    assert (json.loads(trail) if isinstance(trail, str) else trail) == ["start", "create", "complete:yes", "end"]
    assert found["shout"]["value"] == "yes!"


def test_a_javascript_listener_is_refused_saying_so(login_as):
    key = _key("js")
    body = PROCESS.format(key=key, body=(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
        '<bpmn:userTask id="u"><bpmn:extensionElements><camunda:taskListener event="create"><camunda:script '
        'scriptFormat="javascript">task.setAssignee("x")</camunda:script></camunda:taskListener>'
        '</bpmn:extensionElements></bpmn:userTask><bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/>'
        '<bpmn:endEvent id="e"/>'))
    response = deploy(login_as("designer"), {f"{key}.bpmn": body})
    assert response.status_code == 400 and response.json["element"] == "u"
    assert "JavaScript" in response.json["message"]


def test_a_form_with_a_component_the_service_cannot_handle_is_refused_naming_it(login_as):
    form = json.dumps({"id": "with_frame", "components": [
        {"type": "textfield", "key": "name"}, {"type": "iframe", "id": "scan", "url": "https://example.com"}]})
    response = deploy(login_as("designer"), {"with_frame.form": form})
    assert response.status_code == 400 and response.json["element"] == "scan"
    assert "iframe" in response.json["message"]


def test_an_embedded_html_form_key_is_kept_and_returned_as_camunda_returns_it(login_as):
    key = _key("embedded")
    _deployed(login_as, key, '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
                             '<bpmn:userTask id="u" camunda:candidateGroups="window" '
                             'camunda:formKey="embedded:app:forms/approve.html"/>'
                             '<bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/><bpmn:endEvent id="e"/>')
    window = login_as("window_cg")
    [task] = _open_tasks(window, _start(login_as, key)["id"])
    assert window.get(f"/task/{task['id']}/form").json["key"] == "embedded:app:forms/approve.html"
    assert window.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": True}}}
                       ).status_code == 204


def test_a_process_not_startable_in_the_tasklist_is_not_offered_on_the_new_case_page(app, login_as):
    shown, hidden = _key("shown"), _key("hidden")
    for key, attribute in ((shown, ""), (hidden, ' camunda:isStartableInTasklist="false"')):
        body = PROCESS.format(key=key, body='<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" '
                              'targetRef="e"/><bpmn:endEvent id="e"/>').replace(
            'isExecutable="true"', f'isExecutable="true"{attribute}')
        assert deploy(login_as("designer"), {f"{key}.bpmn": body}).status_code == 200
    page = Web(app, "window_cg").get("/cases/new").text
    assert shown in page and hidden not in page
