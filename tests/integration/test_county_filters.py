"""Every statement the service's hot paths send about a case table names the case's county (`tenant_id`) in its
conditions: the column a province's tables would be distributed by (docs/scaling.md), so that a distributed
PostgreSQL routes each statement to one county's shard. Captured from the real requests of the inbox, a case
page, a task completion, the supervision views and a monthly roll."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.store.tables import Base
from tests.support.payroll_steps import Finance, Household, new_county
from tests.support.web_client import Web

CASE_TABLES = {name for name, table in Base.metadata.tables.items()
               if "process_instance_id" in table.c or name == "process_instance"}
_NAMED = re.compile(r'\b(FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?', re.I)
_NOT_ALIASES = {"where", "on", "set", "join", "left", "inner", "outer", "cross", "order", "group", "limit", "values",
                "returning", "for", "union", "lateral", "using", "as", "full", "right", "offset", "having"}


def unfiltered(statement: str) -> list[str]:
    """The case tables `statement` reads or changes without a condition on their `tenant_id` (or, for an INSERT,
    without giving it); each part of a statement of data-modifying CTEs (app/store/writes.py) on its own."""
    flat = " ".join(statement.split())
    parts = re.split(r"\bw\d+ AS \(", flat) if flat.startswith("WITH w0 AS") else [flat]
    return [table for part in parts for table in _unfiltered_in(part)]


def _unfiltered_in(flat: str) -> list[str]:
    missing, named = [], _NAMED.findall(flat)
    for verb, table, alias in named:
        if table not in CASE_TABLES:
            continue
        if verb.upper() == "INTO":
            columns = re.search(rf"INTO {table} \(([^)]*)\)", flat)
            if columns is None or "tenant_id" not in columns[1].replace(" ", "").split(","):
                missing.append(table)
            continue
        name = alias if alias and alias.lower() not in _NOT_ALIASES else table
        conditions = " ".join(re.split(r"\b(?:WHERE|ON)\b", flat, flags=re.I)[1:])
        if not re.search(rf'(?<![\w.])"?{name}"?\.tenant_id\b', conditions) and not (
                len({t for _, t, _ in named}) == 1 and re.search(r"(?<!\.)\btenant_id\b", conditions)):
            missing.append(table)
    return missing


@contextmanager
def captured(runtime):
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = runtime.session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def test_the_check_sees_a_missing_county_condition():
    assert unfiltered("SELECT task.id FROM task WHERE task.org_path LIKE %(p)s") == ["task"]
    assert unfiltered("SELECT t.id FROM task AS t WHERE t.tenant_id = %(c)s AND t.org_path LIKE %(p)s") == []
    assert unfiltered("SELECT p.id FROM process_instance p JOIN task ON task.process_instance_id = p.id "
                      "WHERE p.tenant_id = %(c)s") == ["task"]
    assert unfiltered("UPDATE process_instance SET version=%(v)s WHERE id = %(id)s") == ["process_instance"]
    assert unfiltered("UPDATE process_instance SET version=%(v)s WHERE id = %(id)s AND tenant_id = %(c)s") == []
    assert unfiltered("INSERT INTO case_event (id, seq) VALUES (%(a)s, %(b)s)") == ["case_event"]
    assert unfiltered("SELECT org_unit.path FROM org_unit WHERE org_unit.path = %(p)s") == []


@pytest.fixture
def county(runtime):
    return new_county(runtime)


def _paths(app, client, login_as, county, clock):
    """The hot paths, as a county's staff use them: (name, a request that runs it)."""
    approved = Household(login_as, county).approve()
    waiting = Household(login_as, county)  # at 入户调查
    window, supervisor = county.user("window"), county.user("supervisor")
    return [
        ("inbox", lambda: login_as(window).get("/task", candidateGroup="window", maxResults=50)),
        ("inbox page", lambda: Web(app, window).get("/inbox")),
        ("case page", lambda: Web(app, window).get(f"/cases/{approved.id}")),
        ("case data", lambda: login_as(window).get(f"/process-instance/{approved.id}/variables")),
        ("task complete", lambda: waiting.complete("investigator", "home_visit", visitors="李四,王五",
                                                   visit_date="2026-09-29", findings="属实")),
        ("supervision", lambda: login_as(supervisor).client.get("/api/supervision/tasks",
                                                                 headers=login_as(supervisor).headers)),
        ("compliance", lambda: login_as(supervisor).client.get("/api/supervision/compliance",
                                                                headers=login_as(supervisor).headers)),
        ("roll", lambda: Finance(client, login_as, county).run("2026-10")),
    ]


def test_every_hot_statement_on_a_case_table_filters_on_the_county(app, client, runtime, login_as, clock, county):
    found = {}
    for name, request in _paths(app, client, login_as, county, clock):
        with captured(runtime) as statements:
            request()
        assert statements, name
        found[name] = sorted({f"{table}: {' '.join(s.split())}" for s in statements for table in unfiltered(s)})
    assert {name: rows for name, rows in found.items() if rows} == {}
