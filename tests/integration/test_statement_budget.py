"""SQL statements and commits per task completion: a counted figure, so it cannot silently regress.

Every user task of the 低保 approval path is completed through the REST API while the engine's
statements are counted. A multi-row write must be one statement (its rows as one JSON array), not
an executemany that the count would see once but the server would run once per row.
"""

import base64
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle

from tests.conftest import typed
from tests.support.deployments import deploy_files, window_process
from tests.support.dibao_steps import Case, accept_variables

STATEMENTS_PER_COMPLETION = 8
# 审核确认 also writes the household's payment facts (its row and the amount in force): two more on SQLite; 发放
# opens the window's approval-notice handover: issuing the notice reads the county's 复议 body and court and writes
# the notice row (its event goes into the command's own event insert): two more
# 受理 also arms the home visit's two late timers (its due date, the case's limit): their job rows, one more; and looks
# up the household's other running cases and findings (一户一档, one query for both): one more
EXTRA = {"accept": 2, "county_review": 2, "payment": 2}
HOUSEHOLD_LOOKUP = {"accept": 1}  # the intake's read of the household's other cases (一户一档)
# on SQLite, where each write is a statement of its own, 受理 also records the household's people (一户一档)
SQLITE_EXTRA = {"accept": 1}
# and, on SQLite, every completion ends its step's history row by an UPDATE of its own (history_activity's key on
# PostgreSQL, partitioned by month, admits no upsert to fold it into the insert: migration 0029)
SQLITE_HISTORY_END = 1
# and, on SQLite, a completion that makes or removes timer jobs writes their job-log entries as one statement of its
# own (on PostgreSQL they are part of the command's one statement)
JOB_LOG = "INSERT INTO job_log"


@contextmanager
def counting(engine):
    counts = {"statements": 0, "commits": 0, "executemany": 0, "sql": []}

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        counts["statements"] += 1
        # SQLAlchemy's "insertmanyvalues" sends several rows as one statement; a driver executemany runs one each
        counts["executemany"] += context.execute_style is ExecuteStyle.EXECUTEMANY
        counts["sql"].append(" ".join(statement.split()[:3]))

    def on_commit(conn):
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def _approval_path(runtime, login_as, clock) -> tuple[dict[str, dict], dict[str, dict]]:
    """Drive one case from 受理 to 发放; return the counts of each user-task completion request, and of the
    data-matching system's completion and the supervisor's firing of the publicity timer."""
    case, counted, others = Case(login_as), {}, {}

    @contextmanager
    def count(into: dict, activity: str):
        with counting(runtime.session_factory.kw["bind"]) as counts:
            yield
        into[activity] = counts

    def complete(user, activity, variables):
        task = case.task(user, activity)
        with count(counted, activity):
            response = login_as(user).post(f"/task/{task['id']}/complete", {"variables": variables})
        assert response.status_code == 204, response.json

    complete("window_cg", "accept", accept_variables())
    complete("investigator_cg", "home_visit", typed(visitors="李四,王五", visit_date="2026-09-29",
                                                    findings="家庭成员3人，无车辆"))
    verification = case.lock_verification()
    with count(others, "verify"):
        case.complete_verification(verification)
    complete("reviewer_cg", "township_review", typed(opinion="approve", proposed_amount=1140.0))
    clock.advance(days=8)
    job = case.job("publicity")
    with count(others, "publicity"):
        assert login_as("supervisor").post(f"/job/{job['id']}/execute").status_code == 204
    complete("county_reviewer", "county_review", typed(decision="approve", amount=1140.0))
    complete("finance", "payment", typed(first_payment_month=case.variables()["payment_from"]))
    return counted, others


def test_every_completion_of_the_approval_path_costs_at_most_eight_statements_and_one_commit(
        runtime, login_as, clock):
    _approval_path(runtime, login_as, clock)  # the first completions also sign users in and load forms once
    counted, _ = _approval_path(runtime, login_as, clock)
    sqlite = runtime.session_factory.kw["bind"].dialect.name == "sqlite"
    extra = {a: EXTRA.get(a, 0) + (SQLITE_EXTRA.get(a, 0) + SQLITE_HISTORY_END if sqlite else 0) for a in counted}
    assert set(counted) == {"accept", "home_visit", "township_review", "county_review", "payment"}
    for activity, counts in counted.items():
        if sqlite:
            logged = sum(sql == JOB_LOG for sql in counts["sql"])
            assert logged <= 1, (activity, counts["sql"])
            extra[activity] += logged
        assert counts["commits"] == 1, (activity, counts)
        assert counts["executemany"] == 0, (activity, counts["sql"])
        assert counts["statements"] - extra.get(activity, 0) <= STATEMENTS_PER_COMPLETION, (
            activity, counts["sql"])
    # 受理 opens the investigation's user task and the data-matching external task at once: the costliest
    assert counted["accept"]["statements"] - extra["accept"] == max(c["statements"] - extra.get(a, 0)
                                                                     for a, c in counted.items())


def test_on_postgresql_all_writes_of_a_completion_are_one_statement(runtime, login_as, clock):
    """PostgreSQL gets a command's writes as one statement of data-modifying CTEs (app/store/writes.py)."""
    if runtime.session_factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("one statement per command is PostgreSQL's; SQLite runs each write alone")
    _approval_path(runtime, login_as, clock)
    counted, others = _approval_path(runtime, login_as, clock)
    for activity, counts in {**counted, **others}.items():
        writes = [sql for sql in counts["sql"] if sql.split()[0] in ("WITH", "INSERT", "UPDATE", "DELETE")]
        assert writes == ["WITH w0 AS"], (activity, counts["sql"])
        assert counts["statements"] <= 3 + HOUSEHOLD_LOOKUP.get(activity, 0), (activity, counts["sql"])
        assert counts["commits"] == 1, (activity, counts)
    # the external task or the timer and its case are read in one query, as a user task and its case are
    assert [counts["statements"] for counts in others.values()] == [2, 2], others


def test_a_tasklist_clients_list_and_claim_cost_one_and_two_statements(runtime, login_as):
    """A Camunda client lists the tasks offered to its group and claims one before completing it: the list is one
    statement; the claim reads the task with its case and writes the task, its history row and its event as one
    statement on PostgreSQL (four writes of their own on SQLite); each of them one commit."""
    window = login_as("window_cg")
    inbox = {"candidateGroup": "window", "processDefinitionKey": "dibao", "taskDefinitionKey": "accept",
             "sortBy": "created", "sortOrder": "asc", "firstResult": 0, "maxResults": 15}
    for _ in range(2):  # the first list and claim also sign the user in and build the list's statement
        Case(login_as)
        with counting(runtime.session_factory.kw["bind"]) as listed:
            tasks = window.get("/task", **inbox).json
        task = tasks[-1]
        with counting(runtime.session_factory.kw["bind"]) as claimed:
            assert window.post(f"/task/{task['id']}/claim", {"userId": "window_cg"}).status_code == 204
    sqlite = runtime.session_factory.kw["bind"].dialect.name == "sqlite"
    assert (listed["statements"], listed["commits"]) == (1, 1), listed["sql"]
    assert (claimed["statements"], claimed["commits"]) == (5 if sqlite else 2, 1), claimed["sql"]


def _completions_counted(runtime, login_as, key: str, kind: str, complete) -> dict:
    """The statements of a plain completion and of one of `kind` (`complete(kind, window, task)` sends it), each
    counted the second time (the first signs in and builds its statements), by kind."""
    window = login_as("window_cg")
    made = deploy_files(login_as("designer"), {"budget.bpmn": window_process(key, f"{key}计数")})
    assert made.status_code == 200, made.json
    counted = {}
    for each in ("plain", "plain", kind, kind):
        case = window.post(f"/process-definition/key/{key}/start", {}).json
        task = window.get("/task", processInstanceId=case["id"]).json[0]
        with counting(runtime.session_factory.kw["bind"]) as counts:
            assert complete(each, window, task).status_code == 204
        counted[each] = counts
    return counted

def test_a_completion_that_stores_a_file_costs_four_statements_more(runtime, login_as):
    """Storing a File variable's bytes: the case's use of them, the content read (and locked against the history
    clean-up's removal), the content written, and the variable's declared type on the case row. A completion that
    sets no file costs none of them."""
    def complete(kind, window, task):
        data = f"%PDF-1.4 {uuid.uuid4()}".encode()
        variables = {"proof": {"value": base64.b64encode(data).decode(), "type": "File",
                               "valueInfo": {"filename": "证明.pdf"}}} if kind == "file" else {}
        return window.post(f"/task/{task['id']}/complete", {"variables": variables})

    counted = _completions_counted(runtime, login_as, "budget_files", "file", complete)
    plain, file = counted["plain"]["sql"], counted["file"]["sql"]
    assert file[:len(plain)] == plain and len(file) - len(plain) == 4, (plain, file)
    assert file[len(plain):len(plain) + 3] == ["INSERT INTO content_use", "SELECT content.sha256 FROM",
                                               "INSERT INTO content"], file
    assert counted["file"]["commits"] == 1


def test_a_completion_with_an_idempotency_key_costs_three_statements_more_and_no_write_after_it(runtime, login_as):
    """The key is looked up (a read of its own), then recorded first thing in the completion's transaction (its
    expired namesake deleted, then it inserted) with the completion's 204: its answer needs no write after the
    commit."""
    def complete(kind, window, task):
        headers = {**window.headers, "Idempotency-Key": str(uuid.uuid4())} if kind == "keyed" else window.headers
        return window.client.post(f"/engine-rest/task/{task['id']}/complete", json={}, headers=headers)

    counted = _completions_counted(runtime, login_as, "budget_keys", "keyed", complete)
    plain, keyed = counted["plain"]["sql"], counted["keyed"]["sql"]
    assert [sql.split()[0] for sql in keyed[:3]] == ["SELECT", "DELETE", "INSERT"], keyed
    assert all("idempotency_key" in sql for sql in keyed[:3]) and keyed[3:] == plain, (plain, keyed)
    assert counted["plain"]["commits"] == 1 and counted["keyed"]["commits"] == 2  # the look-up's read, the command
