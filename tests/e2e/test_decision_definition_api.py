"""Camunda's decision-definition resources over HTTP: the list with its parameters, one version by id or the
latest by key, its DMN XML, and evaluating it on typed inputs (the shipped 临时救助 approval tier)."""

import uuid
from pathlib import Path

import pytest

from tests.support.deployments import deploy_files as deploy

TIER = (Path(__file__).parents[2] / "workflows" / "linshi_tier.dmn").read_text()
INPUTS = {"amount_to_approve": {"value": 800.0, "type": "Double"},
          "linshi_township_decides": {"value": True, "type": "Boolean"},
          "township_approval_limit": {"value": 1000, "type": "Integer"},
          "county_approval_limit": {"value": 20000, "type": "Integer"}}


@pytest.fixture(scope="module")
def tier(app):
    """The tier table deployed twice under a key of its own: versions 1 and 2 (version 2 renamed)."""
    from tests.conftest import Api

    key = f"tier_{uuid.uuid4().hex[:8]}"
    designer = Api(app.test_client(), "designer")
    first = TIER.replace('"linshi_approval_tier"', f'"{key}"')
    second = first.replace('name="临时救助审批层级">', 'name="审批层级（二）">', 1)
    deployments = []
    for number, dmn in enumerate((first, second), start=1):
        answer = deploy(designer, {f"{key}.dmn": dmn}, name=f"{key}-{number}")
        assert answer.status_code == 200, answer.json
        deployments.append(answer.json["id"])
    return key, deployments


def test_the_list_honours_its_parameters(login_as, tier):
    key, deployments = tier
    reader = login_as("auditor")
    both = reader.get("/decision-definition", key=key).json
    assert [(d["version"], d["deploymentId"], d["resource"]) for d in both] == [
        (1, deployments[0], f"{key}.dmn"), (2, deployments[1], f"{key}.dmn")]
    assert both[0]["id"].startswith(f"{key}:1:") and both[1]["name"] == "审批层级（二）"
    assert reader.get("/decision-definition/count", keyLike=f"{key[:-2]}%").json == {"count": 2}
    assert [d["version"] for d in reader.get("/decision-definition", key=key, latestVersion="true").json] == [2]
    assert [d["version"] for d in reader.get("/decision-definition", key=key, sortBy="version",
                                             sortOrder="desc").json] == [2, 1]
    assert [d["version"] for d in reader.get("/decision-definition", key=key, firstResult=1, maxResults=5).json] == [2]
    assert reader.get("/decision-definition/count", key=key, nameLike="审批层级（%").json == {"count": 1}
    assert reader.get("/decision-definition/count", key=key, deploymentId=deployments[0]).json == {"count": 1}
    assert reader.get("/decision-definition/count", key=key, versionTag="v1").json == {"count": 0}
    assert reader.get("/decision-definition/count", decisionDefinitionIdIn=both[0]["id"]).json == {"count": 1}
    # decisions are the province's, shared by every county: no tenant
    assert reader.get("/decision-definition/count", key=key, tenantIdIn="341122").json == {"count": 0}
    assert reader.get("/decision-definition/count", key=key, tenantIdIn="341122",
                      includeDecisionDefinitionsWithoutTenantId="true").json == {"count": 2}
    assert reader.get("/decision-definition/count", key=key, withoutTenantId="true").json == {"count": 2}
    assert reader.get("/decision-definition/count", key=key,
                      deployedAfter="2100-01-01T00:00:00.000+0800").json == {"count": 0}
    for refused in ({"decisionRequirementsDefinitionKey": key}, {"sortBy": "decisionRequirementsDefinitionKey",
                                                                 "sortOrder": "asc"}, {"colour": "red"}):
        answer = reader.get("/decision-definition", **refused)
        assert answer.status_code == 400 and next(iter(refused)) in str(answer.json), answer.json


def test_one_version_by_id_or_the_latest_by_key_and_its_xml(login_as, tier):
    key, deployments = tier
    reader = login_as("window_cg")
    latest = reader.get(f"/decision-definition/key/{key}").json
    assert latest["version"] == 2 and latest["deploymentId"] == deployments[1]
    first_id = reader.get("/decision-definition", key=key, version=1).json[0]["id"]
    assert reader.get(f"/decision-definition/{first_id}").json["name"] == "临时救助审批层级"
    xml = reader.get(f"/decision-definition/{first_id}/xml").json
    assert xml["id"] == first_id and 'name="临时救助审批层级"' in xml["dmnXml"]
    assert "审批层级（二）" in reader.get(f"/decision-definition/key/{key}/xml").json["dmnXml"]
    assert reader.get("/decision-definition/key/no_such_decision").status_code == 404
    assert reader.get(f"/decision-definition/{first_id}/diagram").status_code == 204  # none deployed
    assert reader.get("/decision-definition/key/no_such_decision/diagram").status_code == 404
    assert reader.get(f"/decision-definition/{key}:9:nothing/xml").status_code == 404


def test_evaluate_answers_typed_results_and_only_to_who_may(login_as, tier):
    key, _ = tier
    answer = login_as("supervisor").post(f"/decision-definition/key/{key}/evaluate", json={"variables": INPUTS})
    assert answer.status_code == 200, answer.json
    assert answer.json == [{"tier": {"value": "township", "type": "String", "valueInfo": {}}}]
    first_id = login_as("designer").get("/decision-definition", key=key, version=1).json[0]["id"]
    above = {**INPUTS, "amount_to_approve": {"value": 50000.0, "type": "Double"}}
    by_id = login_as("designer").post(f"/decision-definition/{first_id}/evaluate", json={"variables": above})
    assert by_id.json == [{"tier": {"value": "deliberation", "type": "String", "valueInfo": {}}}]
    assert login_as("window_cg").post(f"/decision-definition/key/{key}/evaluate",
                                      json={"variables": INPUTS}).status_code == 403
    unknown = login_as("designer").post(f"/decision-definition/key/{key}/evaluate",
                                        json={"variables": INPUTS, "tenantId": "x"})
    assert unknown.status_code == 400 and "tenantId" in str(unknown.json)
    missing = login_as("designer").post(f"/decision-definition/key/{key}/evaluate", json={"variables": {}})
    assert missing.status_code == 422 and missing.json["element"] == key, missing.json
