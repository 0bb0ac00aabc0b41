"""Every statement the service makes on the month-partitioned tables (case_event, history_activity, history_incident,
access_log, job_log) is checked against its plan: captured during a realistic run on PostgreSQL (a 低保 case walked
from intake to payment, claimed and commented on, its page, history, operation log, job log, audit and read log
looked at, the nightly
verification, compliance, and the history clean-up of finished cases), each is EXPLAINed with its own parameters
and must read no partition by a sequential scan: it reads through an index, or PostgreSQL prunes the partition.
A read of one case's rows must prune the partitions before the case started."""

import os
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from app.domain.actors import SYSTEM
from app.services.retention import clean_up_history
from app.services.verification import VerificationRun, verify_cases
from app.services.web_sessions import start_session
from app.store.partitions import PARTITIONED, earliest_row_of, ensure_partitions, month_partitions
from app.store.queries import activity_query, case_events
from app.store.tables import ProcessInstance
from tests.conftest import Api, typed
from tests.support.deployments import deploy_files, window_process
from tests.support.dibao_steps import Case
from tests.support.org import add_county

POSTGRESQL = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="partitioning is PostgreSQL's (migration 0029); SQLite keeps plain tables")

TOUCHES = re.compile(r"\b(case_event|history_activity|history_incident|access_log|job_log)\b")
MAINTENANCE = re.compile(r"^\s*(CREATE|ALTER|DROP|LOCK|SET|SELECT EXISTS \(SELECT FROM \w+_(p\d{6}|default)\))",
                         re.IGNORECASE)


def _statement_on_tables(statement: str) -> bool:
    return bool(TOUCHES.search(statement)) and not MAINTENANCE.match(statement)


class Captured:
    """The statements the service sent on the partitioned tables, each once, with the parameters of its first use."""

    def __init__(self, engine):
        self.engine, self.found = engine, {}
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, executemany):
        if _statement_on_tables(statement) and statement not in self.found:
            self.found[statement] = parameters[0] if executemany else parameters

    def stop(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _walk(app, login_as, clock) -> str:
    """A 低保 case from intake to payment and its handover, with a claim, a comment and a re-assignment."""
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    window = login_as("window_cg")
    assert window.post(f"/task/{task['id']}/claim", {"userId": "window_cg"}).status_code == 204
    assert window.post(f"/task/{task['id']}/comment/create", {"message": "材料齐全"}).status_code == 200
    case.accept()
    case.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="属实")
    verifier, matching = login_as("verifier"), case.lock_verification()  # the matching system fails once: an incident
    failed = {"workerId": "matcher-1", "errorMessage": "核对系统不可用", "retries": 0}
    assert verifier.post(f"/external-task/{matching}/failure", failed).status_code == 204
    assert login_as("supervisor").put(f"/external-task/{matching}/retries", {"retries": 1}).status_code == 204
    clock.advance(minutes=2)  # past the failed worker's lock
    case.verify()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    clock.advance(days=8)
    case.fire("publicity")
    review = case.task("county_reviewer", "county_review")
    assert login_as("county_reviewer").post(f"/task/{review['id']}/assignee",
                                            {"userId": "county_reviewer"}).status_code == 204
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    case.complete("finance", "payment", first_payment_month="2026-11")
    case.hand_over("approval_notice")
    return case.id


def _look(app, login_as, case_id: str) -> None:
    """The reads of a case and of a scope: pages, history, operation log, audit, read log, compliance, verification."""
    client = app.test_client()
    auditor, supervisor = login_as("auditor"), login_as("supervisor")
    for path in (f"/history/process-instance/{case_id}", f"/process-instance/{case_id}/activity-instances",
                 f"/process-instance/{case_id}/comment"):
        assert supervisor.get(path).status_code == 200, path
    entries = auditor.get("/history/job-log", processInstanceId=case_id).json
    assert {e["jobId"] for e in entries if e["successLog"]}, entries  # the publicity timer ran
    for entry in entries[:1]:
        assert auditor.get(f"/history/job-log/{entry['id']}").status_code == 200
        assert auditor.get("/history/job-log", jobId=entry["jobId"]).status_code == 200
    for path, params in (("/history/activity-instance", {"processInstanceId": case_id}),
                         ("/history/activity-instance", {"maxResults": 50}),
                         ("/history/task", {"processInstanceId": case_id}),
                         ("/history/process-instance", {"activityIdIn": "recheck_wait", "maxResults": 20}),
                         ("/process-instance", {"activityIdIn": "recheck_wait", "maxResults": 20}),
                         ("/history/user-operation", {"processInstanceId": case_id}),
                         ("/history/user-operation", {"maxResults": 50}),
                         ("/history/user-operation", {"afterTimestamp": "2026-09-01T00:00:00.000+0800",
                                                      "maxResults": 50}),
                         ("/history/detail", {"processInstanceId": case_id}),
                         ("/history/incident", {"processInstanceId": case_id}), ("/history/incident", {}),
                         ("/history/job-log", {"processInstanceId": case_id}), ("/history/job-log", {}),
                         ("/history/job-log", {"processInstanceId": case_id, "sortBy": "jobDueDate",
                                               "sortOrder": "desc"}),
                         ("/history/job-log/count", {"successLog": "true"})):
        response = auditor.get(path, **params)
        assert response.status_code == 200, (path, response.json)
    for path, params in ((f"/api/audit/cases/{case_id}/events", {}), (f"/api/audit/cases/{case_id}/verify", {}),
                         (f"/api/audit/cases/{case_id}/events/2/state", {}),
                         ("/api/audit/access-log", {"caseId": case_id}), ("/api/audit/access-log", {}),
                         ("/api/supervision/compliance", {"process": "dibao", "acceptedFrom": "2026-09-01"})):
        response = client.get(path, query_string=params, headers=auditor.headers if "audit" in path
                              else supervisor.headers)
        assert response.status_code == 200, (path, response.get_json())
    rt = app.extensions["runtime"]
    with client.session_transaction() as session:
        session["sid"], session["username"] = start_session(rt, "auditor"), "auditor"
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert client.get(f"/auditor/cases/{case_id}").status_code == 200
    run = VerificationRun(app.config["AUDIT_KEY"].encode(), full=False, processes=1)
    assert all(v.ok for v in verify_cases(rt, SYSTEM, run))


def _clean_up(app, clock, tmp_path) -> None:
    """A county's finished cases past their one-day retention, archived and removed."""
    rt = app.extensions["runtime"]
    add_county(rt, "pp", "计划县", "ppz")
    client = app.test_client()
    short = window_process("plans_short", "计划检查", "P1D")
    assert deploy_files(Api(client, "designer"), {"short.bpmn": short}).status_code == 200
    window = Api(client, "window_pp")
    for _ in range(2):
        case = window.post("/process-definition/key/plans_short/start",
                           {"businessKey": f"PP-{uuid.uuid4().hex[:8]}"}).json
        task = window.get("/task", processInstanceId=case["id"]).json[0]
        assert window.post(f"/task/{task['id']}/complete", {"variables": typed()}).status_code == 204
    clock.advance(days=3)
    assert clean_up_history(rt, SYSTEM, b"plans", tmp_path, county="pp").archived == 2


@pytest.fixture(scope="module")
def captured(app, tmp_path_factory):
    from app.domain import clock as clock_module
    from app.services.users import forget_credentials
    from tests.conftest import Clock

    engine = app.extensions["db_engine"]
    moment = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)
    with engine.begin() as conn:  # two years of months behind the test's clock, as a running service has them
        ensure_partitions(conn, moment, since=moment - timedelta(days=730))
    fake = Clock(moment)
    clock_module.set_source(fake)
    forget_credentials()
    client = app.test_client()
    capture = Captured(engine)
    try:
        case_id = _walk(app, lambda user: Api(client, user), fake)
        _look(app, lambda user: Api(client, user), case_id)
        _clean_up(app, fake, tmp_path_factory.mktemp("archive"))
    finally:
        capture.stop()
        clock_module.set_source(None)
    with engine.begin() as conn:  # the months the clean-up found empty and dropped, made again for the plans
        ensure_partitions(conn, moment, since=moment - timedelta(days=730))
    return capture.found


def _plan(conn, statement: str, parameters) -> dict:
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a sequential scan then shows only where no index serves
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
        return cursor.fetchone()[0][0]["Plan"]
    finally:
        cursor.close()


def _scans(plan: dict) -> list[tuple[str, str]]:
    """(node type, relation) of every node of the plan that reads a partition of the partitioned tables."""
    found = []
    relation = plan.get("Relation Name", "")
    if any(relation == t or relation.startswith(t + "_") for t in PARTITIONED):
        found.append((plan["Node Type"], relation))
    for child in plan.get("Plans", []):
        found.extend(_scans(child))
    return found


@POSTGRESQL
def test_the_run_made_the_statements_it_should(captured):
    kinds = {TOUCHES.search(s)[1] + " " + s.split()[0].upper() for s in captured}
    assert {"case_event SELECT", "history_activity SELECT", "access_log SELECT", "access_log INSERT",
            "history_incident INSERT", "history_incident UPDATE", "history_incident SELECT", "case_event DELETE",
            "history_activity DELETE", "access_log DELETE", "job_log SELECT", "job_log DELETE"} <= kinds, kinds
    assert any("INSERT INTO job_log" in s and s.startswith("WITH") for s in captured)  # with the job rows
    assert len(captured) >= 20, len(captured)


@POSTGRESQL
def test_no_statement_reads_a_partition_by_a_sequential_scan(app, captured):
    bad = []
    with app.extensions["db_engine"].connect() as conn:
        for statement, parameters in captured.items():
            with conn.begin():
                scans = _scans(_plan(conn, statement, parameters))
            seq = sorted({r for node, r in scans if node == "Seq Scan"})
            if seq:
                bad.append((" ".join(statement.split())[:300], seq[:3], len(seq)))
    assert bad == [], "\n".join(map(str, bad))


@POSTGRESQL
def test_reads_of_one_case_prune_the_months_before_it_started(app, captured):
    with app.extensions["db_engine"].connect() as conn:
        with conn.begin():
            months = {t: len(month_partitions(conn, t)) for t in PARTITIONED}
        pruned = 0
        for statement, parameters in captured.items():
            one_case = re.search(r"process_instance_id = %\(\w+\)s", statement) and re.search(
                r"\b(at|start_time) >= %\(\w+\)s", statement)
            if not one_case or not statement.lstrip().upper().startswith("SELECT"):
                continue
            with conn.begin():
                scans = _scans(_plan(conn, statement, parameters))
            table = TOUCHES.search(statement)[1]
            read = {r for _, r in scans if r.startswith(table)}
            assert 0 < len(read) < months[table] / 2, (statement, sorted(read))
            pruned += 1
    assert pruned >= 4, pruned


def test_a_case_row_is_never_older_than_the_month_before_its_start():
    started = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert earliest_row_of(started) == datetime(2025, 12, 1, tzinfo=UTC)
    assert earliest_row_of(datetime(2026, 3, 1, tzinfo=UTC)) == datetime(2026, 2, 1, tzinfo=UTC)


@POSTGRESQL
def test_reads_of_one_case_are_planned_once_for_every_case(app, captured):
    """The case page's reads of a case's events and history name the month before the case started; planned for
    each case's values, PostgreSQL would plan every month from then to now (some 120 for a ten-year-old case). They
    run on a generic plan: prepared on the connection, planned once, and pruned to the case's months as they run."""
    rt = app.extensions["runtime"]
    with rt.reading() as uow:
        session = uow.session
        walked = session.scalars(select(ProcessInstance).where(ProcessInstance.definition_key == "dibao")).one()
        # and two cases of other ages (none of their rows are left: the plan is the same)
        others = [ProcessInstance(id=f"gone-{n}", started_at=walked.started_at - timedelta(days=n), version=0)
                  for n in (45, 400)]
        for case in (walked, *others):
            events = list(session.scalars(case_events(case)))
            assert [e.seq for e in events] == list(range(1, case.version + 1))
            read = {a.process_instance_id for a in session.scalars(activity_query(SYSTEM, {}, case=case))}
            assert read == ({case.id} if case is walked else set())
        plans = {table: session.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :s"),
            {"s": f"SELECT {table}.id, %FROM {table} %"}).all() for table in ("case_event", "history_activity")}
    for table, found in plans.items():
        assert len(found) == 1, (table, found)  # one statement for every case
        assert found[0].generic_plans == 3 and found[0].custom_plans == 0, (table, found)


def test_a_read_of_one_case_is_marked_for_a_generic_plan():
    case = ProcessInstance(id="c", started_at=datetime(2020, 5, 3))
    assert case_events(case).get_execution_options()["generic_plan"]
    assert activity_query(SYSTEM, {}, case=case).get_execution_options()["generic_plan"]
    assert not activity_query(SYSTEM, {}).get_execution_options().get("generic_plan")
