"""The call graph checks made at deploy time, without a database."""

import pytest

from app.domain.errors import DeploymentRefused
from app.engine.activities import ActivityInfo
from app.engine.calls import CallBundle, StoredProcess, call_bundle, reachable, resolve_calls

WHERE = {"dibao": "dibao.bpmn", "referral": "referral.bpmn", "a": "a.bpmn", "b": "b.bpmn"}


def _stored(key: str, calls: dict, activities: dict | None = None) -> StoredProcess:
    return StoredProcess(f"{key}:1:d", {}, {}, activities or {}, CallBundle({}, calls))


def test_a_call_within_the_deployment_needs_no_stored_process():
    stored, graph = resolve_calls({"dibao": [("refer_needs", "referral")], "referral": []}, WHERE, None)
    assert stored == {} and reachable("dibao", graph) == ["referral"]


def test_a_call_outside_the_deployment_binds_the_stored_process():
    bundle = _stored("referral", {"referral": []})
    stored, _ = resolve_calls({"dibao": [("refer_needs", "referral")]}, WHERE, {"referral": bundle}.get)
    assert stored == {"referral": bundle}


def test_a_bundle_keeps_the_called_activities_and_reads_back_as_it_was_written():
    accept = ActivityInfo("userTask", "受理", candidate_groups="township", form_ref="referral_accept")
    stored = {"referral": _stored("referral", {"referral": []}, {"accept": accept})}
    bundle = call_bundle("dibao", {"dibao": ["referral"], "referral": []}, {}, stored)
    assert bundle.called == {"referral": {"accept": accept}}
    assert bundle.to_json() == {"called": {"referral": {"accept": {
        "type": "userTask", "name": "受理", "candidateGroups": "township", "formRef": "referral_accept"}}},
        "calls": {"dibao": ["referral"], "referral": []}}
    assert CallBundle.from_json(bundle.to_json()) == bundle
    pinned = {"referral": {"accept": accept.with_form("referral_accept:2:d")}}
    assert bundle.rebound(pinned).called["referral"]["accept"].form_id == "referral_accept:2:d"


def test_activity_info_reads_back_every_key_as_stored_even_one_it_does_not_know():
    stored = {"type": "userTask", "name": "核对", "candidateGroups": "${group}", "inputs": {"who": "${name}"},
              "variables": ["a", "b"], "noticeKinds": ["stop"], "formId": "f:1:d", "noticeTemplates": {"stop": "t"},
              "legacy": 1}
    info = ActivityInfo.from_json(stored)
    assert info.variables == ("a", "b") and info.extra == {"legacy": 1}
    assert info.to_json() == stored


@pytest.mark.parametrize("calls, resolver, element", [
    ({"dibao": [("refer_needs", "nowhere")]}, None, "refer_needs"),
    ({"dibao": [("refer_needs", None)]}, None, "refer_needs"),
    ({"a": [("call_a", "a")]}, None, "call_a"),
    ({"a": [("call_b", "b")], "b": [("call_a", "a")]}, None, "call_b"),
    ({"a": [("call_b", "b")]}, {"b": _stored("b", {"b": ["a"]})}.get, "call_b"),
])
def test_unknown_and_cyclic_calls_are_refused_naming_the_call_activity(calls, resolver, element):
    with pytest.raises(DeploymentRefused) as refused:
        resolve_calls(calls, WHERE, resolver)
    assert refused.value.element == element
