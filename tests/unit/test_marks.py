"""The personal-data mark follows the data through scripts and input parameters, not the variable's name."""

import pytest

from app.domain.personal import DERIVED, PERSONAL_FIELDS
from app.engine.changes import Definition
from app.engine.marks import carried_marks


def _spec(*scripts: str, **task_specs) -> dict:
    specs = {f"s{n}": {"typename": "ScriptTask", "script": script} for n, script in enumerate(scripts)}
    return {"spec": {"task_specs": {**specs, **task_specs}}, "subprocess_specs": {}, "called": {}}


def _marks(*scripts: str, activities=None, **task_specs) -> dict:
    definition = Definition.stored("marks:1", _spec(*scripts, **task_specs), activities or {})
    found = carried_marks(definition, PERSONAL_FIELDS)
    return {name: kind for name, kind in found.items() if name not in PERSONAL_FIELDS}


@pytest.mark.parametrize(("script", "marked"), [
    ("copy = id_number", {"copy": "id_number"}),
    ("copy = str(id_number)", {"copy": "id_number"}),
    ("contact = phone if phone else ''", {"contact": "phone"}),
    ("who = applicant_name or reporter_name", {"who": "name"}),
    ("who = applicant_name if x else phone", {"who": DERIVED}),
    ('label = "申请人：" + applicant_name', {"label": DERIVED}),
    ("birth = id_number[6:14]", {"birth": DERIVED}),
    ('record = {"name": applicant_name, "need": need}', {"record": DERIVED}),
    ("digits = [c for c in id_number]", {"digits": DERIVED}),
    ("total = per_capita_income * household_size", {"total": DERIVED}),
    ("if x:\n    copy = id_number", {"copy": "id_number"}),
    ("a = id_number\nb = a\nc = b", {"a": "id_number", "b": "id_number", "c": "id_number"}),
    ("c = b\nb = a\na = phone", {"a": "phone", "b": "phone", "c": "phone"}),  # marks reach a fixed point
    ("eligible = per_capita_income < dibao_standard", {}),
    ("size = len(applicant_name)", {}),
    ("years = age(id_number, now())", {}),
    ("accepted_at = now()", {}),
    ("fraud_reason = reason", {}),
])
def test_a_script_carries_the_mark_of_what_it_copies(script, marked):
    assert _marks(script) == marked


def test_a_variable_filled_from_two_kinds_is_derived():
    assert _marks("x = id_number", "x = phone") == {"x": DERIVED}


def test_input_parameters_and_multi_instance_items_carry_marks_too():
    activities = {"task": {"type": "userTask", "name": "task",
                           "inputs": {"who": "${applicant_name}", "need": "${need}"}}}
    loop = {"typename": "ParallelMultiInstanceTask", "data_input": {"bpmn_id": "ids"},
            "input_item": {"bpmn_id": "one"}, "data_output": {"bpmn_id": "answers"},
            "output_item": {"bpmn_id": "answer"}}
    marked = _marks("ids = [id_number]", "answer = one", activities=activities, loop=loop)
    assert marked == {"who": "name", "ids": DERIVED, "one": DERIVED, "answer": DERIVED, "answers": DERIVED}


def test_output_parameters_and_call_mappings_carry_marks():
    call = {"typename": "MappedCallActivity", "extensions": {
        "camunda:inputs": {"who_in": "${applicant_name}"},
        "camunda:in": [{"source": "phone", "expression": None, "target": "callee_phone"}, {"all": True}],
        "camunda:out": [{"source": "id_number", "expression": None, "target": "relayed"},
                        {"source": None, "expression": "${'户主' + applicant_name}", "target": "label"},
                        {"source": "need", "expression": None, "target": "need_back"},
                        {"businessKey": "${business_key}"}]}}
    task = {"typename": "UserTask", "extensions": {"camunda:outputs": {"kept": "${relayed}", "plain": "${'x'}"}}}
    assert _marks(call=call, task=task) == {"who_in": "name", "callee_phone": "phone", "relayed": "id_number",
                                            "label": DERIVED, "kept": "id_number"}


def test_a_decision_result_that_reads_personal_data_is_derived():
    def rule_task(*outputs: str, literal: str | None = None) -> dict:
        decisions = {"d": {"kind": "table", "rules": [{"outputs": [o]} for o in outputs], "requires": ["r"]},
                     "r": {"kind": "literal", "expression": literal} if literal else {"kind": "table", "rules": []}}
        return {"typename": "DecisionTask", "result_variable": "result", "decisions": decisions}
    assert _marks(t=rule_task("'approve'", "'reject'")) == {}
    assert _marks(t=rule_task("'approve'", "applicant_name")) == {"result": DERIVED}
    assert _marks(t=rule_task("'approve'", literal="id_number[0:6]")) == {"result": DERIVED}
    assert _marks(t={**rule_task("applicant_name"), "result_variable": None}) == {}
