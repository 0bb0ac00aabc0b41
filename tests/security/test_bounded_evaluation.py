"""One expression cannot take the service down: each hostile evaluation below is refused with a 422 naming the
BPMN element, in bounded time and memory, while other requests keep being answered."""

import json
import uuid

import pytest

from tests.support import diagrams as d
from tests.support.deployments import deploy_files
from tests.support.in_time import answered_in_time

STRING = "x" * 99_000


def _deployed(login_as, expression: str) -> str:
    key = f"cost_{uuid.uuid4().hex[:8]}"
    deployed = deploy_files(login_as("designer"), {f"{key}.bpmn": d.condition(key, expression)})
    assert deployed.status_code == 200, deployed.json
    return key


def _start(live_url, key: str, memory: bool = False, **variables):
    typed = {name: {"value": json.dumps(value), "type": "Json"} if isinstance(value, (list, dict))
             else {"value": value, "type": "String"} for name, value in variables.items()}
    return answered_in_time(live_url, "window_cg", "POST", f"/engine-rest/process-definition/key/{key}/start",
                            {"businessKey": key, "variables": typed}, memory=memory)


def _refused(answer, limit: float = 5.0) -> None:
    assert answer.status == 422, answer.body
    assert answer.body["element"] == "g" and answer.body["message"], answer.body
    assert answer.seconds < limit, answer.seconds
    assert answer.slowest_probe < 2, answer.slowest_probe


def test_add_workdays_past_a_century_is_refused_at_once(login_as, live_url):
    answer = _start(live_url, _deployed(login_as, "${add_workdays(now(), 2000000) > now()}"))
    _refused(answer)
    assert "add_workdays" in answer.body["message"]


def test_a_long_call_is_interrupted_by_the_cpu_deadline(login_as, live_url):
    """Each `sorted` is one evaluation step that converts 20,000 values to text: the deadline stops it mid-call."""
    rows = [{"a": i, "b": "x" * 10, "c": [1, 2, 3], "d": None, "e": True} for i in range(20_000)]
    key = _deployed(login_as, "${[len(sorted(rows, key=str)) for i in range_list(100)] == []}")
    answer = _start(live_url, key, rows=rows)
    _refused(answer)
    assert "CPU" in answer.body["message"]


@pytest.mark.parametrize("expression", [
    "${round(5, -100000000) == 0}",  # builds 10 ** 100000000 in one call
    "${len(sum(rows, [])) > 0}",  # copies the growing list again at each of the 10,000 rows: quadratic
])
def test_a_call_whose_arguments_make_it_long_is_refused(login_as, live_url, expression):
    _refused(_start(live_url, _deployed(login_as, expression), rows=[[0] * 50] * 10_000))


@pytest.mark.parametrize("expression", [
    '${len(f"{[s for i in range_list(100) for j in range_list(10)]}") > 0}',
    '${len("%s" % [[s for i in range_list(100) for j in range_list(10)]]) > 0}',
    "${len(str([s for i in range_list(100) for j in range_list(10)])) > 0}",
    "${len([s + str(i) for i in range_list(100) for j in range_list(30)]) > 0}",
])
def test_a_value_too_large_is_refused_before_it_is_built(login_as, live_url, expression):
    """Unchecked, each builds 100 to 300 MB of text (1,000 or 3,000 copies of a 99,000-character string)."""
    answer = _start(live_url, _deployed(login_as, expression), memory=True, s=STRING)
    _refused(answer, limit=10)
    assert answer.peak_bytes < 40_000_000, answer.peak_bytes
