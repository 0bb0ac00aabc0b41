"""Timers, task attributes, multi-instance collections and form rules that would spin a thread, flood the event
log or fail with a 500: refused at deploy naming the element or form field, or — when only the case data shows
it — a 422 naming the element, in bounded time, with nothing stored."""

import json
import uuid
from xml.sax.saxutils import escape

import pytest

from tests.support import diagrams as d
from tests.support.deployments import deploy_files
from tests.support.in_time import answered_in_time


def _key(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _refused_at_deploy(login_as, files: dict[str, str], element: str, words: str):
    deployed = deploy_files(login_as("designer"), files)
    assert deployed.status_code == 400, deployed.json
    assert deployed.json["element"] == element and words in deployed.json["message"], deployed.json
    assert deployed.json["file"] in files


def _instances(login_as, key: str) -> list:
    return login_as("supervisor").get("/process-instance", processDefinitionKey=key).json


@pytest.mark.parametrize("kind, literal, words", [
    ("timeDuration", "P99999999Y", "100 年"),
    ("timeDuration", "PT1H1", "ISO 8601"),
    ("timeCycle", "R/PT0S", "60 秒"),
    ("timeCycle", "R5/PT30S", "60 秒"),
    ("timeCycle", "R/P200Y", "100 年"),
    ("timeDate", "2026-13-45T00:00:00", "timeDate"),
])
def test_a_timer_literal_that_cannot_be_honoured_is_refused_at_deploy(login_as, kind, literal, words):
    key = _key("timer")
    _refused_at_deploy(login_as, {f"{key}.bpmn": d.timer(key, kind, literal)}, "td", words)


@pytest.mark.parametrize("kind, value", [("timeDuration", "P99999999Y"), ("timeCycle", "R/PT0S")])
def test_a_timer_expression_yielding_what_cannot_be_honoured_fails_its_command(login_as, live_url, kind, value):
    key = _key("timer")
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": d.timer(key, kind, "${when}")}).status_code == 200
    answer = answered_in_time(live_url, "window_cg", "POST", f"/engine-rest/process-definition/key/{key}/start",
                              {"businessKey": key, "variables": {"when": {"value": value, "type": "String"}}})
    assert answer.status == 422 and answer.body["element"] == "t", answer.body
    assert value in answer.body["message"]
    assert answer.seconds < 5 and answer.slowest_probe < 2
    assert _instances(login_as, key) == []


@pytest.mark.parametrize("attributes, words", [
    ({"priority": "high"}, "camunda:priority"),
    ({"priority": "²"}, "camunda:priority"),  # a digit to str.isdigit, none to int(): it was a 500
    ({"priority": "${__import__('os').getpid()}"}, "camunda:priority"),
    ({"dueDate": "P3D"}, "camunda:dueDate"),
    ({"followUpDate": "2026-02-30T00:00:00"}, "camunda:followUpDate"),
])
def test_a_bad_priority_or_due_date_literal_is_refused_at_deploy(login_as, attributes, words):
    key = _key("attr")
    _refused_at_deploy(login_as, {f"{key}.bpmn": d.user_task(key, **attributes)}, "t", words)


def test_a_standard_loop_is_refused_at_deploy_as_camunda_7_does_not_run_it(login_as):
    key = _key("loop")
    body = d.around(key, '<bpmn:userTask id="t" camunda:candidateGroups="window"><bpmn:standardLoopCharacteristics>'
                         f'<bpmn:loopCondition>{escape("${().__class__}")}</bpmn:loopCondition>'
                         '</bpmn:standardLoopCharacteristics></bpmn:userTask>')
    _refused_at_deploy(login_as, {f"{key}.bpmn": body}, "t", "standardLoopCharacteristics")


@pytest.mark.parametrize("attributes", [
    {"priority": "${missing_number}"},
    {"priority": "${'high'}"},
    {"candidateGroups": "${1 / 0}"},
    {"assignee": "${nobody_knows}"},
    {"dueDate": "${'next week'}"},
    {"dueDate": "${'P3D'}"},
    {"followUpDate": "${missing_date}"},
])
def test_a_task_attribute_that_fails_at_run_time_is_a_422_naming_the_element(login_as, clock, attributes):
    key = _key("attr")
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": d.user_task(key, **attributes)}).status_code == 200
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {"businessKey": key})
    assert started.status_code == 422, started.json
    assert started.json["element"] == "t" and f"camunda:{next(iter(attributes))}" in started.json["message"]
    assert _instances(login_as, key) == []


def test_a_multi_instance_over_a_huge_collection_is_refused_before_any_instance_exists(login_as, live_url):
    key = _key("mi")
    body = d.around(key, '<bpmn:userTask id="t" camunda:candidateGroups="window">'
                         '<bpmn:multiInstanceLoopCharacteristics camunda:collection="items" '
                         'camunda:elementVariable="item" /></bpmn:userTask>')
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": body}).status_code == 200
    items = {"value": json.dumps(list(range(100_000))), "type": "Json"}
    answer = answered_in_time(live_url, "window_cg", "POST", f"/engine-rest/process-definition/key/{key}/start",
                              {"businessKey": key, "variables": {"items": items}}, memory=True)
    assert answer.status == 422 and answer.body["element"] == "t", answer.body
    assert "100000" in answer.body["message"] and "100" in answer.body["message"]
    assert answer.seconds < 5 and answer.slowest_probe < 2
    assert answer.peak_bytes < 200_000_000, answer.peak_bytes
    assert _instances(login_as, key) == []


def _form(form_id: str, **field) -> str:
    component = {"type": "textfield", "key": "answer", "label": "答复", "id": "Field_answer", **field}
    return json.dumps({"id": form_id, "type": "default", "components": [component]})


def _form_task(key: str, form_id: str) -> str:
    return d.around(key, f'<bpmn:userTask id="t" camunda:candidateGroups="window" camunda:formRef="{form_id}" '
                         'camunda:formRefBinding="latest" />')


@pytest.mark.parametrize("field, words", [
    ({"validate": {"pattern": r"^(a)\1$"}}, "validate.pattern"),  # a back-reference needs backtracking
    ({"validate": {"pattern": "(?<=x)y"}}, "validate.pattern"),
    ({"validate": {"pattern": "[unclosed"}}, "validate.pattern"),
    ({"validate": {"pattern": 7}}, "validate.pattern"),
    ({"validate": {"maxLength": "ten"}}, "validate.maxLength"),
    ({"validate": {"min": "0"}, "type": "number"}, "validate.min"),
    ({"properties": {"minItems": "abc"}}, "minItems"),
    ({"properties": {"minItems": "-1"}}, "minItems"),
])
def test_a_form_rule_that_cannot_run_is_refused_at_deploy_naming_the_field(login_as, field, words):
    form_id = _key("form")
    deployed = deploy_files(login_as("designer"), {f"{form_id}.form": _form(form_id, **field)})
    assert deployed.status_code == 400, deployed.json
    assert deployed.json["element"] == "answer" and words in deployed.json["message"], deployed.json


def _open_form_task(login_as, field: dict) -> tuple[str, str]:
    form_id, key = _key("form"), _key("formtask")
    deployed = deploy_files(login_as("designer"), {f"{form_id}.form": _form(form_id, **field),
                                                   f"{key}.bpmn": _form_task(key, form_id)})
    assert deployed.status_code == 200, deployed.json
    window = login_as("window_cg")
    assert window.post(f"/process-definition/key/{key}/start", {"businessKey": key}).status_code == 200
    return key, window.get("/task", processInstanceBusinessKey=key).json[0]["id"]


def test_a_catastrophic_pattern_answers_at_once(login_as, live_url):
    """`(a+)+$` backtracks exponentially in a backtracking engine: 36 characters would take hours there."""
    _, task = _open_form_task(login_as, {"validate": {"pattern": "(a+)+$"}})
    body = {"variables": {"answer": {"value": "a" * 36 + "!", "type": "String"}}}
    answer = answered_in_time(live_url, "window_cg", "POST", f"/engine-rest/task/{task}/complete", body)
    assert answer.status == 400 and answer.body["field"] == "answer", answer.body
    assert answer.seconds < 5 and answer.slowest_probe < 2


@pytest.mark.parametrize("field, value", [
    ({"validate": {"pattern": r"^\d{4}-\d{2}-\d{2}$"}}, ["not a date"]),
    ({"validate": {"maxLength": 5}}, ["far too long a text"]),
    ({"validate": {"maxLength": 5}, "properties": {"minItems": "1"}}, ["far too long a text"]),
    ({"validate": {"pattern": r"^[\u4e00-\u9fa5、]+$"}, "properties": {"minItems": "2"}}, ["张三", "evil"]),
    ({"properties": {"minItems": "2"}}, ["张三", {"nested": "value"}]),
])
def test_a_list_in_a_text_field_keeps_to_its_rules(login_as, clock, field, value):
    _, task = _open_form_task(login_as, field)
    completed = login_as("window_cg").post(f"/task/{task}/complete",
                                           {"variables": {"answer": {"value": json.dumps(value), "type": "Json"}}})
    assert completed.status_code == 400 and completed.json["field"] == "answer", completed.json


def test_a_list_that_keeps_to_the_rules_is_accepted_as_a_list(login_as, clock):
    key, task = _open_form_task(login_as, {"validate": {"pattern": r"^[\u4e00-\u9fa5、]+$", "maxLength": 10},
                                           "properties": {"minItems": "2"}})
    case = login_as("window_cg").get(f"/task/{task}").json["processInstanceId"]
    completed = login_as("window_cg").post(f"/task/{task}/complete", {"variables": {"answer": {
        "value": json.dumps(["张三", "李四"]), "type": "Json"}}})
    assert completed.status_code == 204, completed.json
    done = login_as("supervisor").get("/history/variable-instance", processInstanceId=case).json
    assert [json.loads(v["value"]) for v in done if v["name"] == "answer"] == [["张三", "李四"]], done
