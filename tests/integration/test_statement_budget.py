"""SQL statements and commits per task completion: a counted figure, so it cannot silently regress."""

from contextlib import contextmanager

from sqlalchemy import event

from app.api.variables import from_camunda
from app.domain.actors import Actor
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from tests.e2e.dibao_steps import Case

STATEMENTS_PER_COMPLETION = 8


@contextmanager
def counting(engine):
    counts = {"statements": 0, "commits": 0, "sql": []}

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        counts["statements"] += 1
        counts["sql"].append(statement.split()[0] + " " + statement.split()[2 if statement.startswith(
            ("INSERT", "DELETE")) else 1])

    def on_commit(conn):
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def _review(runtime, login_as) -> dict:
    case = Case(login_as)
    case.accept()
    case.investigate()
    task_id = case.task("reviewer_cg", "township_review")["id"]
    reviewer = Actor("reviewer_cg", "/sfx/cg/", frozenset({"township_reviewer"}))
    variables = from_camunda({"opinion": {"value": "approve"}, "proposed_amount": {"value": 300.0}})
    with counting(runtime.session_factory.kw["bind"]) as counts:
        complete_task(runtime, CompleteTask(reviewer, task_id, variables))
    return counts


def test_completing_a_task_costs_at_most_eight_statements_and_one_commit(runtime, login_as, clock):
    _review(runtime, login_as)  # the first completion in a process also loads the form version once
    counts = _review(runtime, login_as)
    assert counts["commits"] == 1
    assert counts["statements"] <= STATEMENTS_PER_COMPLETION, counts["sql"]
