"""A catalogue of hostile diagrams: each is refused at deploy naming the element, or fails its one
command cleanly (4xx, nothing stored). Every attack tries to write a marker file; none may exist after."""

import uuid
from xml.sax.saxutils import escape

import pytest

from tests.support import diagrams as d
from tests.support.deployments import deploy_files

WRITE = "open('{m}', 'w').write('pwned')"
SHELL = "__import__('os').system('touch {m}')"


def _script(code):
    return lambda key, m: {f"{key}.bpmn": d.script(key, code.replace("{m}", m))}


def _make(builder, *args):
    return lambda key, m: {f"{key}.bpmn": builder(key, *(a.replace("{m}", m) for a in args))}


def _dmn(**cells):
    def files(key, m):
        decision = f"{key}_table"
        return {f"{key}.bpmn": d.decision_task(key, decision),
                f"{key}.dmn": d.dmn(decision, **{k: escape(v.replace("{m}", m)) for k, v in cells.items()})}
    return files


def _self_call(key, m):
    return {f"{key}.bpmn": d.call_activity(key, key)}


def _mutual_call(key, m):
    return {f"{key}_a.bpmn": d.call_activity(f"{key}_a", f"{key}_b"),
            f"{key}_b.bpmn": d.call_activity(f"{key}_b", f"{key}_a")}


CATALOGUE = {
    "script_import": _script("import os\nos.system('touch {m}')"),
    "script_from_import": _script("from os import system\nsystem('touch {m}')"),
    "script_dunder_import": _script("x = " + SHELL),
    "script_class_mro_walk": _script("x = ().__class__.__mro__[1].__subclasses__()"),
    "script_subclasses_popen": _script("x = [c for c in str.__base__.__subclasses__() if c.__name__ == 'Popen']"),
    "script_open": _script("x = " + WRITE),
    "script_eval": _script('x = eval("' + WRITE + '")'),
    "script_exec": _script('exec("' + WRITE + '")'),
    "script_compile": _script("x = compile(\"" + WRITE + "\", 'a', 'exec')"),
    "script_getattr_trick": _script("x = getattr(now(), '_' * 2 + 'class' + '_' * 2)"),
    "script_format_attribute": _script("x = '{0.__class__.__init__.__globals__}'.format(now())"),
    "script_fstring_dunder": _script("x = f'{now().__class__.__init__.__globals__}'"),
    "script_lambda": _script("x = (lambda: " + WRITE + ")()"),
    "script_function_recursion": _script("def f(n):\n    return f(n + 1)\nx = f(0)"),
    "script_while_loop": _script("while True:\n    n = 1"),
    "script_for_loop": _script("for i in range(10 ** 9):\n    n = i"),
    "script_groovy": lambda key, m: {f"{key}.bpmn": d.script(key, "x = 1").replace(
        'scriptFormat="python"', 'scriptFormat="groovy"')},
    "script_huge_comprehension": _script("x = [[i, j, k] for i in range_list(100) for j in range_list(100)"
                                         " for k in range_list(100)]"),
    "script_huge_string": _script("x = 'x' * 10 ** 9"),
    "script_huge_power": _script("x = 10 ** 10 ** 10"),
    "script_huge_multiplication": _script("a = 9 ** 1000\nb = a * a * a * a * a * a * a * a"),
    "script_wide_format": _script("x = '%999999999d' % 1"),
    "script_oversized": _script("x = " + "-" * 100_000 + "1"),
    "script_deep_unary_nesting": _script("x = " + "-" * 40_000 + "1"),
    "script_shared_sublists_to_string": _script("x = str([[[0] * 1000] * 1000] * 1000)"),
    "script_comprehension_of_shared_lists": _script("a = [0] * 10000\nx = [a for i in range_list(100)]\n"
                                                    "y = [x for i in range_list(100)]"),
    "timer_duration_huge_number": _make(d.timer, "timeDuration", "${add_days(now(), 10 ** 10 ** 10)}"),
    "gateway_condition_shell": _make(d.condition, "${" + SHELL + " == 0}"),
    "gateway_condition_open": _make(d.condition, "${" + WRITE + " > 0}"),
    "timer_duration_open": _make(d.timer, "timeDuration", "${" + WRITE + "}"),
    "timer_date_subclasses": _make(d.timer, "timeDate", "${().__class__.__base__.__subclasses__()}"),
    "timer_cycle_shell": _make(d.timer, "timeCycle", "${" + SHELL + "}"),
    "due_date_open": lambda key, m: {f"{key}.bpmn": d.user_task(key, dueDate="${" + WRITE.replace("{m}", m) + "}")},
    "due_date_huge_number": lambda key, m: {f"{key}.bpmn": d.user_task(key, dueDate="${add_days(now(), 10**10**10)}")},
    "candidate_groups_shell": lambda key, m: {f"{key}.bpmn": d.user_task(
        key, candidateGroups="${" + SHELL.replace("{m}", m) + "}")},
    "dmn_input_entry_shell": _dmn(input_entry=SHELL),
    "dmn_output_entry_open": _dmn(output_entry=WRITE),
    "dmn_input_expression_walk": _dmn(input_expression="().__class__.__mro__"),
    "multi_instance_cardinality_open": _make(d.multi_instance, "${" + WRITE + "}"),
    "multi_instance_huge_cardinality": _make(d.multi_instance, "${10 ** 6}"),
    "multi_instance_script_task": lambda key, m: {f"{key}.bpmn": d.multi_instance_script(key)},
    "script_task_infinite_loop": lambda key, m: {f"{key}.bpmn": d.script_loop(key)},
    "recursive_call_activity": _self_call,
    "mutually_recursive_call_activities": _mutual_call,
}


def _instances(api, key: str) -> int:
    return len(api.get("/process-instance", processDefinitionKey=key).json)


@pytest.mark.parametrize("attack", sorted(CATALOGUE))
def test_hostile_diagram_is_refused_or_fails_cleanly(login_as, clock, tmp_path, attack):
    marker = tmp_path / "pwned"
    key = f"{attack}_{uuid.uuid4().hex[:6]}"
    files = CATALOGUE[attack](key, str(marker))
    designer, window = login_as("designer"), login_as("window_cg")
    deployed = deploy_files(designer, files)
    if deployed.status_code == 400:
        assert deployed.json["file"] in files and deployed.json["message"], deployed.json
        assert deployed.json.get("element"), deployed.json
        assert designer.get(f"/process-definition/key/{key}").status_code == 404
    else:
        assert deployed.status_code == 200, deployed.json
        started_key = key if f"{key}.bpmn" in files else f"{key}_a"
        started = window.post(f"/process-definition/key/{started_key}/start", {"businessKey": key})
        assert 400 <= started.status_code < 500, started.json
        assert started.json["type"] and started.json["message"]
        assert _instances(login_as("supervisor"), started_key) == 0
    assert not marker.exists()


def test_the_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 20
