"""pycamunda 0.6.1, unmodified, lists a deployed decision, reads it and its DMN, and evaluates it."""

import uuid
from pathlib import Path

import pycamunda.decisiondef
import pytest
from requests.auth import HTTPBasicAuth

from tests.conftest import PASSWORD, Api
from tests.support.deployments import deploy_files

TIER = (Path(__file__).parents[2] / "workflows" / "linshi_tier.dmn").read_text()


@pytest.fixture(scope="module")
def decision(app):
    key = f"pyc_tier_{uuid.uuid4().hex[:8]}"
    designer = Api(app.test_client(), "designer")
    answer = deploy_files(designer, {f"{key}.dmn": TIER.replace('"linshi_approval_tier"', f'"{key}"')})
    assert answer.status_code == 200, answer.json
    return key


def _call(request, user: str):
    request.auth = HTTPBasicAuth(user, PASSWORD)
    return request()


def test_pycamunda_reads_and_evaluates_a_decision(live_url, decision):
    url = f"{live_url}/engine-rest"
    listed = _call(pycamunda.decisiondef.GetList(url, key=decision, latest_version=True, sort_by="version"),
                   "auditor")
    assert [(d.key, d.version, d.resource) for d in listed] == [(decision, 1, f"{decision}.dmn")]
    assert _call(pycamunda.decisiondef.Count(url, key_like=f"{decision}%"), "auditor") == 1
    found = _call(pycamunda.decisiondef.Get(url, key=decision), "window_cg")
    assert found.id_ == listed[0].id_ and found.name == "临时救助审批层级"
    assert f'id="{decision}"' in _call(pycamunda.decisiondef.GetXML(url, id_=found.id_), "window_cg")
    evaluate = pycamunda.decisiondef.Evaluate(url, key=decision)
    for name, value, kind in (("amount_to_approve", 5000.0, "Double"), ("linshi_township_decides", True, "Boolean"),
                              ("township_approval_limit", 1000, "Integer"),
                              ("county_approval_limit", 20000, None)):
        evaluate.add_variable(name, value, kind)
    results = _call(evaluate, "supervisor")
    assert [{name: (v.value, v.type_) for name, v in rule.items()} for rule in results] == [
        {"tier": ("county", "String")}]
