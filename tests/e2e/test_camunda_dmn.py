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
