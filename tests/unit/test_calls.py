"""The call graph checks made at deploy time, without a database."""

import pytest

from app.domain.errors import DeploymentRefused
from app.engine.calls import reachable, resolve_calls

WHERE = {"dibao": "dibao.bpmn", "referral": "referral.bpmn", "a": "a.bpmn", "b": "b.bpmn"}


def test_a_call_within_the_deployment_needs_no_stored_process():
    stored, graph = resolve_calls({"dibao": [("refer_needs", "referral")], "referral": []}, WHERE, None)
    assert stored == {} and reachable("dibao", graph) == ["referral"]


def test_a_call_outside_the_deployment_binds_the_stored_process():
    bundle = {"calls": {"referral": []}, "activities": {}}
    stored, _ = resolve_calls({"dibao": [("refer_needs", "referral")]}, WHERE, {"referral": bundle}.get)
    assert stored == {"referral": bundle}


@pytest.mark.parametrize("calls, resolver, element", [
    ({"dibao": [("refer_needs", "nowhere")]}, None, "refer_needs"),
    ({"dibao": [("refer_needs", None)]}, None, "refer_needs"),
    ({"a": [("call_a", "a")]}, None, "call_a"),
    ({"a": [("call_b", "b")], "b": [("call_a", "a")]}, None, "call_b"),
    ({"a": [("call_b", "b")]}, {"b": {"calls": {"b": ["a"]}, "activities": {}}}.get, "call_b"),
])
def test_unknown_and_cyclic_calls_are_refused_naming_the_call_activity(calls, resolver, element):
    with pytest.raises(DeploymentRefused) as refused:
        resolve_calls(calls, WHERE, resolver)
    assert refused.value.element == element
