"""Decisions evaluated as Camunda 7 evaluates them: FEEL unary tests, every hit policy, decision requirements
graphs and the four result mappings, checked against Camunda's own examples and their tests' answers."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from app.domain.errors import DeploymentRefused
from app.domain.workcalendar import WorkCalendar
from app.engine.decisions import DecisionError, evaluate_decision, map_result, parse_decisions
from app.engine.expressions import evaluate_compiled
from app.engine.feel import FEEL_FUNCTIONS, compile_unary_tests
from app.engine.functions import FunctionContext

SETS = Path(__file__).parents[1] / "models" / "sets"
CONTEXT = FunctionContext(datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai")), WorkCalendar())


def _evaluate(source: str, names: dict):
    return evaluate_compiled(source, names, CONTEXT, FEEL_FUNCTIONS)


def _decisions(path: Path) -> dict:
    return parse_decisions(etree.parse(str(path)).getroot(), path.name)


def _decide(decisions: dict, decision: str, **data) -> list[dict]:
    return evaluate_decision(decisions, decision, data, _evaluate)


@pytest.mark.parametrize("season, guests, children, beverages", [
    ("Spring", 10, False, {"Guiness", "Water"}),  # DrgDecisionTest.shouldServeGuiness
    ("Winter", 7, True, {"Bordeaux", "Apple Juice", "Water"}),  # shouldServeBordeauxAndAppleJuice
    ("Summer", 14, False, {"Pinot Noir", "Water"}),  # shouldServePinotNoir
])
def test_the_dinner_drg_serves_what_camundas_own_test_says(season, guests, children, beverages):
    decisions = _decisions(SETS / "dmn-drg-dinner" / "dinnerDecisions.dmn")
    assert set(decisions) == {"beverages", "dish"}  # every decision of the graph, not only the first
    result = _decide(decisions, "beverages", season=season, guestCount=guests, guestsWithChildren=children)
    assert set(map_result(result, "collectEntries", "t")) == beverages
    assert len(result) == len(beverages)


@pytest.mark.parametrize("amount, category, classification, approvers", [
    (30, "Misc", "day-to-day expense", ["accounting", "sales"]),
    (250, "Misc", "budget", ["management"]),  # [250..1000] includes its ends
    (1000, "Misc", "budget", ["management"]),
    (1001, "Misc", "exceptional", ["management"]),  # "budget", "exceptional": a list of values
    (5000, "Travel Expenses", "day-to-day expense", ["accounting", "sales"]),
    (5000, "Software License Costs", "budget", ["management"]),
])
def test_the_invoice_decisions_classify_and_assign_as_on_camunda(amount, category, classification, approvers):
    decisions = _decisions(SETS / "invoice" / "invoiceBusinessDecisions.dmn")
    data = {"amount": amount, "invoiceCategory": category}
    assert map_result(_decide(decisions, "invoiceClassification", **data), "singleEntry", "t") == classification
    assert map_result(_decide(decisions, "invoice-assign-approver", **data), "collectEntries", "t") == approvers


@pytest.mark.parametrize("test, value, matches", [
    ('"budget"', "budget", True), ('"budget", "exceptional"', "exceptional", True),
    ('"budget", "exceptional"', "day-to-day", False), ('not("budget")', "budget", False),
    ('not("budget", "x")', "y", True), ("< 250", 249.5, True), ("< 250", 250, False), ("<= 250", 250, True),
    ("[250..1000]", 1000, True), ("[250..1000]", 1000.5, False), ("]250..1000[", 250, False),
    ("[250..1000[", 999, True), ("(250..1000)", 1000, False), (">= 1000", 1000, True), ("-", None, True),
    ("250", 250, True), ('date("2016-01-01")', "2016-01-01", True),
    ('< date("2016-01-01")', "2015-12-31T23:00:00+08:00", True),
    ('[date and time("2015-11-30T12:00:00")..date and time("2015-12-01T12:00:00")]', "2015-12-01T08:00:00", True),
    ("true", True, True), ("true", "true", False), ("not(<= 10, > 20)", 15, True), ("null", None, True),
    ("> 10, < 0", -1, True), ("< 10", None, False), ('"a"', None, False), ("? > 2 and ? < 5", 3, True),
    ("]1..5[, 7", 7, True), ("]1..5[, 7", 5, False),
])
def test_feel_unary_tests_match_as_camunda_matches_them(test, value, matches):
    source = compile_unary_tests(test)
    assert (source is None or _evaluate(source, {"cellInput": value}) is True) == matches


def _table(policy: str, rules: list[tuple[str, str]], aggregation: str | None = None,
           values: str = '"low","mid","high"') -> dict:
    aggregate = f' aggregation="{aggregation}"' if aggregation else ""
    rows = "".join(f'<rule id="r{i}"><inputEntry id="i{i}"><text>{test}</text></inputEntry>'
                   f'<outputEntry id="o{i}"><text>{out}</text></outputEntry></rule>'
                   for i, (test, out) in enumerate(rules, 1))
    xml = (f'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">'
           f'<decision id="t" name="t"><decisionTable id="dt" hitPolicy="{policy}"{aggregate}>'
           '<input id="in"><inputExpression id="ie"><text>n</text></inputExpression></input>'
           f'<output id="out" name="level"><outputValues><text>{values}</text></outputValues></output>{rows}'
           '</decisionTable></decision></definitions>')
    return parse_decisions(etree.fromstring(xml.encode()), "t.dmn")


LEVELS = [("&lt; 10", '"low"'), ("&lt; 20", '"mid"'), ("-", '"high"')]


@pytest.mark.parametrize("policy, n, levels", [
    ("FIRST", 5, ["low"]), ("RULE ORDER", 5, ["low", "mid", "high"]), ("COLLECT", 15, ["mid", "high"]),
    ("PRIORITY", 5, ["low"]), ("OUTPUT ORDER", 15, ["mid", "high"]),
])
def test_each_hit_policy_picks_as_camunda_does(policy, n, levels):
    rules = list(reversed(LEVELS)) if policy in ("PRIORITY", "OUTPUT ORDER") else LEVELS
    assert [r["level"] for r in _decide(_table(policy, rules), "t", n=n)] == levels


def test_priority_follows_the_order_of_the_output_values_not_of_the_rules():
    table = _table("PRIORITY", [("-", '"low"'), ("&lt; 10", '"high"')], values='"high","mid","low"')
    assert _decide(table, "t", n=5) == [{"level": "high"}]


def test_unique_refuses_two_matches_and_any_refuses_different_outputs():
    with pytest.raises(DecisionError, match="UNIQUE"):
        _decide(_table("UNIQUE", LEVELS), "t", n=5)
    assert _decide(_table("UNIQUE", LEVELS), "t", n=25) == [{"level": "high"}]
    with pytest.raises(DecisionError, match="ANY"):
        _decide(_table("ANY", LEVELS), "t", n=5)
    assert _decide(_table("ANY", [("&lt; 10", '"low"'), ("&lt; 20", '"low"')]), "t", n=5) == [{"level": "low"}]


@pytest.mark.parametrize("aggregation, result", [("SUM", 6), ("MIN", 1), ("MAX", 3), ("COUNT", 3)])
def test_collect_aggregates_the_outputs(aggregation, result):
    table = _table("COLLECT", [("&gt; 0", "1"), ("&gt; 1", "2"), ("&gt; 2", "3")], aggregation, values="1,2,3")
    assert _decide(table, "t", n=5) == [{"level": result}]


def test_the_four_result_mappings_shape_the_result_as_camunda_does():
    two = [{"a": 1}, {"a": 2}]
    assert map_result([{"a": 1}], "singleEntry", "t") == 1 and map_result([], "singleEntry", "t") is None
    assert map_result([{"a": 1, "b": 2}], "singleResult", "t") == {"a": 1, "b": 2}
    assert map_result(two, "collectEntries", "t") == [1, 2]
    assert map_result(two, "resultList", "t") == two == map_result(two, None, "t")
    for mapping in ("singleEntry", "singleResult"):
        with pytest.raises(DecisionError, match=mapping):
            map_result(two, mapping, "t")
    with pytest.raises(DecisionError, match="collectEntries"):
        map_result([{"a": 1, "b": 2}], "collectEntries", "t")


@pytest.mark.parametrize("cell, words", [
    ("if a then 1 else 2", "if"), ("for x in y return x", "for"), ('"a" ++ ', "FEEL"), ("open('x')", "open"),
])
def test_a_cell_feel_cannot_compile_here_refuses_the_file_naming_it(cell, words):
    xml = ('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">'
           '<decision id="t"><decisionTable id="dt"><input id="in"><inputExpression id="ie"><text>n</text>'
           '</inputExpression></input><output id="out" name="o"/><rule id="r1"><inputEntry id="bad_cell"><text>'
           f'{cell}</text></inputEntry><outputEntry id="o1"><text>1</text></outputEntry></rule></decisionTable>'
           '</decision></definitions>')
    with pytest.raises(DeploymentRefused) as refused:
        parse_decisions(etree.fromstring(xml.encode()), "t.dmn")
    assert refused.value.element == "bad_cell" and words in refused.value.message
