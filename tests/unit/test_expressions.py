"""The restricted evaluator: what designers may write, and what is refused."""

from datetime import UTC, datetime

import pytest

from app.domain.workcalendar import WorkCalendar
from app.engine.expressions import ExpressionError, evaluate, evaluate_time, expression_problem, feel_to_python
from app.engine.functions import FunctionContext
from app.engine.scripts import run_script, script_problem


@pytest.fixture
def ctx():
    return FunctionContext(datetime(2026, 9, 28, 2, tzinfo=UTC), WorkCalendar())


def test_camunda_wrapper_and_juel_operators(ctx):
    assert evaluate("${a && !b}", {"a": True, "b": False}, ctx) is True
    assert evaluate("${x == null || y}", {"x": None, "y": False}, ctx) is True
    assert evaluate("${materials_complete == false}", {"materials_complete": False}, ctx) is True


def test_date_functions(ctx):
    assert evaluate_time("${add_days(now(), 7)}", {}, ctx) == "2026-10-05T23:59:59+08:00"
    assert evaluate("month(next_month('2026-12-15'))", {}, ctx) == "2027-01"
    assert evaluate("date('2026-09-30')", {}, ctx).day == 30
    assert evaluate_time("P7D", {}, ctx) == "P7D"


@pytest.mark.parametrize("text", [
    "__import__('os').system('id')", "x.__class__", "open('/etc/passwd')", "eval('1')",
    "getattr(x, 'y')", "(lambda: 1)()", "exec('x')",
])
def test_hostile_expressions_are_refused(text, ctx):
    assert expression_problem(text) is not None
    with pytest.raises(ExpressionError):
        evaluate(text, {"x": 1}, ctx)


@pytest.mark.parametrize("script", [
    "import os", "from os import system", "for i in x: pass", "while True: pass", "def f(): pass",
    "x.y = 1", "y = x.__dict__", "with open('f') as f: pass", "try:\n    x = 1\nexcept Exception:\n    pass",
])
def test_hostile_scripts_are_refused(script):
    assert script_problem(script) is not None


def test_scripts_assign_with_if(ctx):
    data = {"township_decides": False}
    run_script("limit = 20 if township_decides else 30\nif limit > 25:\n    due = add_workdays(now(), 3)", data, ctx)
    assert data == {"township_decides": False, "limit": 30, "due": "2026-10-01T23:59:59+08:00"}


def test_feel_translation():
    assert feel_to_python('=opinion != "reject"') == 'opinion != "reject"'
    assert feel_to_python('=a = "x" and b >= 2') == 'a == "x" and b >= 2'
