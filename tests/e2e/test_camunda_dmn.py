"""A business rule task calls a decision as Camunda 7 does: any decision of a requirements graph deployed on its
own, the result shaped by `camunda:mapDecisionResult` into `camunda:resultVariable`, nothing stored without one."""

import json
import uuid
from pathlib import Path

from app.domain.actors import SYSTEM
from app.services.decisions import evaluate_deployed_decision
from tests.support.camunda_sets import PROCESS
from tests.support.deployments import deploy_files as deploy

DINNER = (Path(__file__).parents[1] / "models" / "sets" / "dmn-drg-dinner" / "dinnerDecisions.dmn").read_text()


def _process(key: str, attributes: str) -> str:
    return PROCESS.format(key=key, body=(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="decide"/>'
        f'<bpmn:businessRuleTask id="decide" camunda:decisionRef="beverages" {attributes}/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="u"/>'
        '<bpmn:userTask id="u" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="u" targetRef="e"/><bpmn:endEvent id="e"/>'))


def _variables(login_as, key: str, variables: dict) -> dict:
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", json={
        "businessKey": key, "variables": {k: {"value": v} for k, v in variables.items()}})
    assert started.status_code == 200, started.json
    return login_as("window_cg").get(f"/process-instance/{started.json['id']}/variables").json


def test_a_decision_of_a_graph_deployed_alone_is_found_and_its_result_mapped(login_as):
    designer = login_as("designer")
    assert deploy(designer, {"dinnerDecisions.dmn": DINNER}).status_code == 200
    key = f"dinner_{uuid.uuid4().hex[:8]}"
    process = _process(key, 'camunda:resultVariable="drinks" camunda:mapDecisionResult="collectEntries"')
    assert deploy(designer, {f"{key}.bpmn": process}).status_code == 200
    found = _variables(login_as, key, {"season": "Winter", "guestCount": 7, "guestsWithChildren": True})
    drinks = found["drinks"]["value"]
    assert sorted(json.loads(drinks) if isinstance(drinks, str) else drinks) == ["Apple Juice", "Bordeaux", "Water"]
    assert "beverages" not in found and "desiredDish" not in found  # only the result variable is set


def test_without_a_result_variable_a_decision_sets_nothing(login_as):
    designer = login_as("designer")
    key = f"dinner_{uuid.uuid4().hex[:8]}"
    files = {f"{key}.bpmn": _process(key, ""), "dinnerDecisions.dmn": DINNER}
    assert deploy(designer, files).status_code == 200
    found = _variables(login_as, key, {"season": "Summer", "guestCount": 14, "guestsWithChildren": False})
    assert {"season", "guestCount", "guestsWithChildren"} <= set(found)
    assert not {"beverages", "desiredDish"} & set(found)


def test_a_result_that_does_not_fit_its_mapping_is_an_error_naming_the_task(login_as):
    designer = login_as("designer")
    key = f"dinner_{uuid.uuid4().hex[:8]}"
    files = {f"{key}.bpmn": _process(key, 'camunda:resultVariable="drink" camunda:mapDecisionResult="singleEntry"'),
             "dinnerDecisions.dmn": DINNER}
    assert deploy(designer, files).status_code == 200
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", json={"variables": {
        "season": {"value": "Summer"}, "guestCount": {"value": 14}, "guestsWithChildren": {"value": False}}})
    assert started.status_code == 422 and started.json["element"] == "decide"
    assert "singleEntry" in started.json["message"]


def test_a_deployed_decision_is_evaluated_on_its_own_with_its_required_decisions(login_as, runtime):
    assert deploy(login_as("designer"), {"dinnerDecisions.dmn": DINNER}).status_code == 200
    result = evaluate_deployed_decision(runtime, SYSTEM, "beverages", {
        "season": "Spring", "guestCount": 10, "guestsWithChildren": False})
    assert sorted(r["beverages"] for r in result) == ["Guiness", "Water"]  # DrgDecisionTest.shouldServeGuiness


REVIEW = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="review_{key}" name="复核日期" namespace="x">
  <decision id="{key}" name="下次复核日期">
    <decisionTable id="t_{key}" hitPolicy="FIRST">
      <input id="i1" label="家庭类别"><inputExpression id="ie1" typeRef="string"><text>household_class</text>
      </inputExpression></input>
      <output id="o1" name="next_review" typeRef="date"/>
      <rule id="r1"><inputEntry id="e1"><text>"stable"</text></inputEntry>
        <outputEntry id="oe1"><text>date and time("2027-09-28T00:00:00")</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>"unstable"</text></inputEntry>
        <outputEntry id="oe2"><text>"2027-03-28T09:30:00"</text></outputEntry></rule>
      <rule id="r3"><inputEntry id="e3"><text>-</text></inputEntry>
        <outputEntry id="oe3"><text>"下个月"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_a_date_output_is_a_date_on_evaluate_and_in_the_case_variables(login_as):
    key = f"review_{uuid.uuid4().hex[:8]}"
    designer = login_as("designer")
    assert deploy(designer, {f"{key}.dmn": REVIEW.format(key=key)}).status_code == 200
    for household, expected in (("stable", "2027-09-28T00:00:00.000+0800"),
                                ("unstable", "2027-03-28T09:30:00.000+0800")):
        answer = designer.post(f"/decision-definition/key/{key}/evaluate", json={
            "variables": {"household_class": {"value": household, "type": "String"}}})
        assert answer.status_code == 200, answer.json
        assert answer.json == [{"next_review": {"value": expected, "type": "Date", "valueInfo": {}}}]
    wrong = designer.post(f"/decision-definition/key/{key}/evaluate", json={
        "variables": {"household_class": {"value": "other", "type": "String"}}})
    assert wrong.status_code == 422 and wrong.json["element"] == key and "next_review" in wrong.json["message"]
    process = PROCESS.format(key=f"p_{key}", body=(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="decide"/>'
        f'<bpmn:businessRuleTask id="decide" camunda:decisionRef="{key}" camunda:resultVariable="next_review" '
        'camunda:mapDecisionResult="singleEntry"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="u"/>'
        '<bpmn:userTask id="u" camunda:candidateGroups="window"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="u" targetRef="e"/><bpmn:endEvent id="e"/>'))
    assert deploy(designer, {f"p_{key}.bpmn": process}).status_code == 200
    found = _variables(login_as, f"p_{key}", {"household_class": "stable"})
    assert found["next_review"] == {"value": "2027-09-28T00:00:00.000+0800", "type": "Date", "valueInfo": {}}


ADDRESSEE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="addr_{key}" name="通知对象" namespace="x">
  <decision id="{key}" name="通知对象">
    <decisionTable id="t_{key}" hitPolicy="FIRST">
      <input id="i1" label="家庭类别"><inputExpression id="ie1" typeRef="string"><text>household_class</text>
      </inputExpression></input>
      <output id="o1" name="addressee" typeRef="string"/>
      <rule id="r1"><inputEntry id="e1"><text>"stable"</text></inputEntry>
        <outputEntry id="oe1"><text>applicant_name</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>-</text></inputEntry>
        <outputEntry id="oe2"><text>"村委会"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_a_result_a_decision_builds_from_personal_data_is_masked_as_personal(login_as):
    """An output entry reads the applicant's name: the result variable is hidden from roles that see data masked;
    a decision whose outputs read nothing personal sets an ordinary variable."""
    key = f"addr_{uuid.uuid4().hex[:8]}"
    for result, decision, mapping in (("addressee", key, "singleEntry"), ("drinks", "beverages", "collectEntries")):
        process = PROCESS.format(key=f"{result}_{key}", body=(
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="decide"/>'
            f'<bpmn:businessRuleTask id="decide" camunda:decisionRef="{decision}" camunda:resultVariable="{result}" '
            f'camunda:mapDecisionResult="{mapping}"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="u"/>'
            '<bpmn:userTask id="u" camunda:candidateGroups="window"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="u" targetRef="e"/><bpmn:endEvent id="e"/>'))
        files = {f"{key}.dmn": ADDRESSEE.format(key=key), "dinnerDecisions.dmn": DINNER, f"{result}.bpmn": process}
        assert deploy(login_as("designer"), files).status_code == 200
    started = login_as("window_cg").post(f"/process-definition/key/addressee_{key}/start", json={"variables": {
        "household_class": {"value": "stable"}, "applicant_name": {"value": "张三"}}}).json["id"]
    assert _shown(login_as, "window_cg", started)["addressee"] == "张三"
    assert _shown(login_as, "supervisor", started)["addressee"] == "***"
    plain = login_as("window_cg").post(f"/process-definition/key/drinks_{key}/start", json={"variables": {
        "season": {"value": "Winter"}, "guestCount": {"value": 7}, "guestsWithChildren": {"value": True},
        "applicant_name": {"value": "张三"}}}).json["id"]
    drinks = _shown(login_as, "supervisor", plain)["drinks"]
    assert sorted(json.loads(drinks) if isinstance(drinks, str) else drinks) == ["Apple Juice", "Bordeaux", "Water"]


def _shown(login_as, user: str, case_id: str) -> dict:
    return {k: v["value"] for k, v in login_as(user).get(f"/process-instance/{case_id}/variables").json.items()}
