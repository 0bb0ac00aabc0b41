"""A province on one PostgreSQL: 2,000,000 cases over 100 counties, reported at 0.5 M, 1 M and 2 M.

    make bench-province      # PROVINCE_CASES=2000000 PROVINCE_STEPS=500000,1000000,2000000 by default

One real 低保 case is driven through the service (its REST API, in process) and its rows are kept after each step:
the case row (stored workflow and variables), its open tasks, timers, history and event chain, as the engine
wrote them. The province is then made of copies of those rows by INSERT ... SELECT generate_series in
PostgreSQL (no engine, no Python per row), each case given its own ids, county, township and village, start
time (over ten years, so every month partition holds rows) and a stage of the path: 20 % with an open user task
at one of its steps, 60 % approved and in payment (waiting for the annual re-check; their payment facts for the
monthly roll), 17 % completed, 3 % terminated. Each case also gets two reads in the access log.

At each size it measures, through the service: the inbox of a village 协理员 and of a township reviewer
(GET /engine-rest/task, 50 a page), a county's supervision list and compliance figures, a case page
(GET /cases/<id>), the database size per case, and the time to build one county's monthly roll.
"""

import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from app.domain.actors import Actor
from app.services.payroll.runs import start_run
from app.services.web_sessions import start_session
from app.store.partitions import ensure_partitions

from .database import DEFAULT_URL, bench_app, prepare
from .dibao_path import STEPS
from .inbox import percentile
from .load import basic_auth, next_month, typed

HERE = Path(__file__).parent
CASES = int(os.environ.get("PROVINCE_CASES", "2000000"))
STEPS_AT = [int(s) for s in os.environ.get("PROVINCE_STEPS", "500000,1000000,2000000").split(",")]
CHUNK = int(os.environ.get("PROVINCE_CHUNK", "50000"))
# loading stops before the database passes this size: the figures are then taken at the size reached
DISK_LIMIT_GB = float(os.environ.get("PROVINCE_DISK_LIMIT_GB", "40"))
# and after this long (seconds; 0: no limit), for a run that has to end by a given time on shared cores
TIME_LIMIT = float(os.environ.get("PROVINCE_LOAD_SECONDS", "0"))
COUNTIES, TOWNSHIPS, VILLAGES = 100, 15, 15  # townships per county, villages per township: 22,500 villages
ROUNDS = int(os.environ.get("PROVINCE_ROUNDS", "200"))
GOALS = {"village_p95_ms": 25, "township_p95_ms": 50, "supervision_ms": 1000, "compliance_ms": 1000,
         "case_page_ms": 100, "database_gb": 40}
# the measured county (c042), its township t03 and village v07; i % 100 = 42 is that county
COUNTY, TOWNSHIP, VILLAGE = 42, 3, 7
MEASURED_VILLAGE = f"/c{COUNTY:02d}/t{TOWNSHIP:02d}/v{VILLAGE:02d}/"

# the case's place from its number: county i % 100, township (i / 100) % 15, village (i / 1500) % 15
PATH = ("'/c' || lpad((i % 100)::text, 2, '0') || '/t' || lpad(((i / 100) % 15)::text, 2, '0') || '/v' "
        "|| lpad(((i / 1500) % 15)::text, 2, '0') || '/'")
TENANT = "'c' || lpad((i % 100)::text, 2, '0')"
# its stage: a template (the path's step it stopped at) and its state
# a share (0-99) drawn from the case's number, independent of its place
SHARE = "((hashint4(i) & 2147483647) % 100)"
STAGE = (f"CASE WHEN {SHARE} < 20 THEN (ARRAY[0, 1, 3, 5, 6])[1 + (hashint4(i + 7) & 2147483647) % 5] "
         f"WHEN {SHARE} < 80 THEN 7 ELSE 8 END")
STATE = f"CASE WHEN {SHARE} < 80 THEN 'ACTIVE' WHEN {SHARE} < 97 THEN 'COMPLETED' ELSE 'EXTERNALLY_TERMINATED' END"
# started over ten years before the template case's start: every month partition of the ten years holds cases
SHIFT = "(- ((i::bigint * 7919) % 3650) * interval '1 day' - ((i * 31) % 86400) * interval '1 second')"
# a case id of the service's form (str(uuid4()): 36 characters), as every row naming the case carries it
CASE_ID = "md5('case' || i)::uuid::text"

ORG_SQL = f"""
INSERT INTO org_unit (code, name, level, path, county_path)
  SELECT 'c' || lpad(c::text, 2, '0'), '县' || c, 'county', '/c' || lpad(c::text, 2, '0') || '/',
         '/c' || lpad(c::text, 2, '0') || '/' FROM generate_series(0, {COUNTIES - 1}) c;
INSERT INTO org_unit (code, name, level, path, county_path)
  SELECT 'c' || lpad(c::text, 2, '0') || '-t' || t, '镇' || c || '-' || t, 'township',
         '/c' || lpad(c::text, 2, '0') || '/t' || lpad(t::text, 2, '0') || '/', '/c' || lpad(c::text, 2, '0') || '/'
  FROM generate_series(0, {COUNTIES - 1}) c, generate_series(0, {TOWNSHIPS - 1}) t;
INSERT INTO org_unit (code, name, level, path, county_path)
  SELECT 'c' || lpad(c::text, 2, '0') || '-t' || t || '-v' || v, '村' || c || '-' || t || '-' || v, 'village',
         '/c' || lpad(c::text, 2, '0') || '/t' || lpad(t::text, 2, '0') || '/v' || lpad(v::text, 2, '0') || '/',
         '/c' || lpad(c::text, 2, '0') || '/'
  FROM generate_series(0, {COUNTIES - 1}) c, generate_series(0, {TOWNSHIPS - 1}) t,
       generate_series(0, {VILLAGES - 1}) v
"""

# each table (a partitioned one with its partitions): heap, TOAST and indexes
SIZES_SQL = """
SELECT coalesce(i.inhparent, c.oid)::regclass::text AS name, sum(pg_relation_size(c.oid)) AS heap,
       sum(pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid)) AS toast,
       sum(pg_indexes_size(c.oid)) AS indexes
FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname NOT LIKE 'tpl\\_%'
GROUP BY 1 ORDER BY sum(pg_total_relation_size(c.oid)) DESC"""

USERS = {"pv_village": (MEASURED_VILLAGE, "investigator"),
         "pv_township": (f"/c{COUNTY:02d}/t{TOWNSHIP:02d}/", "township_reviewer"),
         "pv_county": (f"/c{COUNTY:02d}/", "supervisor"),
         "pv_auditor": (f"/c{COUNTY:02d}/", "auditor"),
         "pv_finance": (f"/c{COUNTY:02d}/", "finance")}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _columns(conn, table: str) -> list[str]:
    return list(conn.scalars(text("SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                                  "AND table_schema = current_schema() ORDER BY ordinal_position"), {"t": table}))


def templates(app) -> str:
    """Drive one 低保 case through the path, keeping its rows after each step as templates (stage k: after k
    steps; 7: approved, in payment), and its final rows without timers as the finished stage (8); return its id."""
    client = app.test_client()
    started = client.post("/engine-rest/process-definition/key/dibao/start", headers=basic_auth("window_cg"),
                          json={"businessKey": f"TPL-{uuid.uuid4().hex[:8]}"}).json
    case = started["id"]
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        for table in ("process_instance", "task", "task_candidate", "job", "history_activity", "case_event"):
            conn.execute(text(f"DROP TABLE IF EXISTS tpl_{table}"))
            conn.execute(text(f"CREATE UNLOGGED TABLE tpl_{table} AS SELECT 0 AS stage, * FROM "
                              f"{'task' if table == 'task_candidate' else table} WHERE false"))
        conn.execute(text("DROP TABLE tpl_task_candidate"))
        conn.execute(text("CREATE UNLOGGED TABLE tpl_task_candidate AS SELECT 0 AS stage, * FROM task_candidate "
                          "WHERE false"))
    stage = 0
    _keep(engine, case, stage)
    for activity, user, values in STEPS:
        _step(client, case, activity, user, values)
        stage += 1
        _keep(engine, case, stage)
    with engine.begin() as conn:  # the finished stage: the approved case's rows, without its timers and tasks
        conn.execute(text("INSERT INTO tpl_process_instance SELECT 8, * FROM process_instance WHERE id = :c"),
                     {"c": case})
        for table in ("history_activity", "case_event"):
            conn.execute(text(f"INSERT INTO tpl_{table} SELECT 8, * FROM {table} WHERE process_instance_id = :c"),
                         {"c": case})
    return case


def _step(client, case: str, activity: str, user: str, values: dict) -> None:
    if activity == "verify":
        locked = client.post("/engine-rest/external-task/fetchAndLock", headers=basic_auth(user), json={
            "workerId": "tpl", "maxTasks": 1, "topics": [{"topicName": "household-verification",
                                                          "lockDuration": 60000}]}).json
        client.post(f"/engine-rest/external-task/{locked[0]['id']}/complete", headers=basic_auth(user),
                    json={"workerId": "tpl", "variables": typed(values)})
        return
    if activity == "publicity":
        job = client.get("/engine-rest/job", headers=basic_auth(user),
                         query_string={"processInstanceId": case}).json[0]
        client.post(f"/engine-rest/job/{job['id']}/execute", headers=basic_auth(user))
        return
    if activity == "payment":
        values = {"first_payment_month": next_month()}
    task = client.get("/engine-rest/task", headers=basic_auth(user), query_string={
        "processInstanceId": case, "taskDefinitionKey": activity}).json[0]
    response = client.post(f"/engine-rest/task/{task['id']}/complete", headers=basic_auth(user),
                           json={"variables": typed(values)})
    assert response.status_code == 204, response.json


def _keep(engine, case: str, stage: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tpl_process_instance SELECT :s, * FROM process_instance WHERE id = :c"),
                     {"c": case, "s": stage})
        for table in ("task", "job", "history_activity", "case_event"):
            conn.execute(text(f"INSERT INTO tpl_{table} SELECT :s, * FROM {table} WHERE process_instance_id = :c"),
                         {"c": case, "s": stage})
        conn.execute(text("INSERT INTO tpl_task_candidate SELECT :s, c.* FROM task_candidate c JOIN task t "
                          "ON t.id = c.task_id WHERE t.process_instance_id = :c"), {"c": case, "s": stage})


def _copy_sql(conn, table: str, where: str, replace: dict[str, str]) -> str:
    """INSERT INTO `table` copies of its template rows for each case number i of the chunk, columns replaced."""
    cols = [c for c in _columns(conn, table) if not (c == "id" and table in ("case_event", "access_log"))]
    values = ", ".join(replace.get(c, f"t.{c}") for c in cols)
    return (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {values} FROM generate_series(:lo, :hi - 1) i "
            f"JOIN tpl_{table} t ON t.stage = {STAGE} {where}")


def _shifted(column: str) -> str:
    return f"t.{column} + {SHIFT}"


def load_chunk(engine, lo: int, hi: int) -> None:
    """Cases lo..hi-1, with their tasks, candidates, timers, history, events, reads and payment facts."""
    new_id = "md5({} || i || t.id)::uuid::text"
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # consistent by construction
        common = {"process_instance_id": CASE_ID, "org_path": PATH, "tenant_id": TENANT}
        statements = [
            _copy_sql(conn, "process_instance", "", {
                "id": CASE_ID, "business_key": "'PV-' || i", "org_path": PATH, "tenant_id": TENANT, "state": STATE,
                "started_at": _shifted("started_at"),
                "ended_at": f"CASE WHEN {SHARE} >= 80 THEN t.started_at + {SHIFT} + interval '40 days' END"}),
            _copy_sql(conn, "task", "", {**common, "id": new_id.format("'t'"), "business_key": "'PV-' || i",
                                         "created": _shifted("created"), "due": _shifted("due")}),
            _copy_sql(conn, "task_candidate", "", {"task_id": "md5('t' || i || t.task_id)::uuid::text",
                                                   "org_path": PATH, "tenant_id": TENANT}),
            _copy_sql(conn, "job", f"AND {SHARE} < 80", {**common, "id": new_id.format("'j'"),
                                                         "due": "t.due + ((i * 13) % 365) * interval '1 day'",
                                                         "created": _shifted("created")}),
            _copy_sql(conn, "history_activity", "", {**common, "id": "md5('h' || i || t.id)::uuid",  # a uuid column
                                                     "start_time": _shifted("start_time"),
                                                     "end_time": _shifted("end_time"), "due": _shifted("due")}),
            _copy_sql(conn, "case_event", "", {"process_instance_id": CASE_ID, "tenant_id": TENANT,
                                               "at": _shifted("at")}),
            f"""INSERT INTO access_log (at, username, process_instance_id, org_path, what, masked, tenant_id)
                SELECT p.started_at + k * interval '3 days', 'reader' || (i % 1000), {CASE_ID}, {PATH},
                       'process-instance variables', k = 1, {TENANT}
                FROM generate_series(:lo, :hi - 1) i JOIN process_instance p ON p.id = {CASE_ID},
                     generate_series(0, 1) k""",
            f"""INSERT INTO benefit (process_instance_id, definition_key, business_key, org_path, township_path,
                                     county_path, applicant_name, id_number, household_size, income_fen,
                                     bank_account, payment_from, updated_at, tenant_id)
                SELECT {CASE_ID}, 'dibao', 'PV-' || i, {PATH}, regexp_replace({PATH}, 'v[0-9]+/$', ''),
                       '/c' || lpad((i % 100)::text, 2, '0') || '/', '户主' || i,
                       '110101' || lpad((i % 100000000)::text, 11, '0') || 'X', 1 + i % 5, 30000 + i % 40000,
                       '621700' || lpad(i::text, 13, '0'), '2026-01', now(), {TENANT}
                FROM generate_series(:lo, :hi - 1) i WHERE {SHARE} >= 20 AND {SHARE} < 80""",
            f"""INSERT INTO benefit_change (process_instance_id, county_path, effective_month, amount_fen, reason,
                                            recorded_at, tenant_id)
                SELECT {CASE_ID}, '/c' || lpad((i % 100)::text, 2, '0') || '/', '2026-01',
                       20000 + (i % 50) * 1000, 'approval', now() - interval '1 year', {TENANT}
                FROM generate_series(:lo, :hi - 1) i WHERE {SHARE} >= 20 AND {SHARE} < 80""",
        ]
        for statement in statements:
            conn.execute(text(statement), {"lo": lo, "hi": hi})


def users(engine) -> None:
    from werkzeug.security import generate_password_hash

    hashed = generate_password_hash("demo123")
    with engine.begin() as conn:
        for name, (path, group) in USERS.items():
            conn.execute(text("INSERT INTO app_user (username, display_name, password_hash, org_path, groups, "
                              "active) VALUES (:u, :u, :h, :p, :g, true)"),
                         {"u": name, "h": hashed, "p": path, "g": json.dumps([group])})


def _timed(action, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def _ok(response) -> None:
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])


def measure(app, size: int) -> dict:
    rt, engine = app.extensions["runtime"], app.extensions["db_engine"]
    client = app.test_client()
    figures: dict = {"cases": size}
    for key, user, group in (("village", "pv_village", "investigator"),
                             ("township", "pv_township", "township_reviewer")):
        auth = basic_auth(user)
        _ok(client.get("/engine-rest/task", headers=auth, query_string={"maxResults": 1}))
        timings = _timed(lambda a=auth, g=group: _ok(client.get("/engine-rest/task", headers=a, query_string={
            "candidateGroup": g, "maxResults": 50})), ROUNDS)
        figures[f"{key}_p95_ms"] = round(percentile(timings, 0.95), 1)
        figures[f"{key}_p50_ms"] = round(statistics.median(timings), 1)
        figures[f"{key}_rows"] = len(client.get("/engine-rest/task", headers=auth, query_string={
            "candidateGroup": group, "maxResults": 50}).json)
    county = basic_auth("pv_county")
    supervision = _timed(lambda: _ok(client.get("/api/supervision/tasks", headers=county)), 5)
    figures["supervision_ms"] = round(statistics.median(supervision), 1)
    compliance = _timed(lambda: _ok(client.get("/api/supervision/compliance", headers=county, query_string={
        "process": "dibao", "acceptedFrom": "2025-12-01"})), 3)
    figures["compliance_ms"] = round(statistics.median(compliance), 1)
    with client.session_transaction() as session:
        session["sid"], session["username"] = start_session(rt, "pv_auditor"), "pv_auditor"
    with engine.connect() as conn:
        cases = list(conn.scalars(text("SELECT id FROM process_instance WHERE org_path LIKE :p ORDER BY id LIMIT 20"),
                                  {"p": f"/c{COUNTY:02d}/%"}))
    _ok(client.get(f"/cases/{cases[-1]}"))  # the first page a process shows loads its templates
    pages = [_timed(lambda c=c: _ok(client.get(f"/cases/{c}")), 1)[0] for c in cases[:-1]]
    figures["case_page_ms"] = round(percentile(pages, 0.95), 1)
    with engine.connect() as conn:
        size_bytes = conn.scalar(text("SELECT pg_database_size(current_database())"))
    figures["database_gb"] = round(size_bytes / 2**30, 2)
    figures["bytes_per_case"] = round(size_bytes / size)
    with engine.connect() as conn:  # where it goes: each table with its partitions, TOAST and indexes
        figures["bytes_per_case_by_table"] = {
            table: {"heap": round(heap / size), "toast": round(toast / size), "indexes": round(indexes / size)}
            for table, heap, toast, indexes in conn.execute(text(SIZES_SQL)) if heap + toast + indexes >= size * 50}
    # a county of its own at each size: a county's roll waits for its last one to freeze
    county = COUNTY + 1 + len(FIGURES)
    finance = Actor("pv_finance", f"/c{county:02d}/", frozenset({"finance"}))
    began = time.monotonic()
    run = start_run(rt, finance, f"c{county:02d}", "2026-12")
    figures["roll_seconds"] = round(time.monotonic() - began, 2)
    with engine.connect() as conn:
        figures["roll_lines"] = conn.scalar(text("SELECT lines FROM payroll_run WHERE id = :r"), {"r": run})
    return figures


def report(figures: list[dict]) -> None:
    rows = [("inbox p95, village 协理员 (ms)", "village_p95_ms", "<= 25"),
            ("inbox p95, township reviewer (ms)", "township_p95_ms", "<= 50"),
            ("supervision list, a county (ms)", "supervision_ms", "<= 1000"),
            ("compliance, a county (ms)", "compliance_ms", "<= 1000"),
            ("case page p95 (ms)", "case_page_ms", "<= 100"),
            ("database size (GB)", "database_gb", "<= 40"),
            ("database bytes per case", "bytes_per_case", "-"),
            ("one county's monthly roll (s)", "roll_seconds", "-"),
            ("  its lines", "roll_lines", "-")]
    width = max(len(name) for name, _, _ in rows)
    print()
    print(f"{'cases':<{width}}  " + "  ".join(f"{f['cases']:>12,}" for f in figures) + "  goal")
    for name, key, goal in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{f.get(key, '-')!s:>12}" for f in figures) + f"  {goal}")
    last = figures[-1].get("bytes_per_case_by_table", {})
    if last:
        print(f"bytes per case at {figures[-1]['cases']:,} cases, by table: heap / TOAST / indexes")
        for table, parts in last.items():
            print(f"  {table:<24} {parts['heap']:>7,} {parts['toast']:>7,} {parts['indexes']:>7,}  "
                  f"= {sum(parts.values()):>7,}")
    print(flush=True)


def main() -> int:
    url = os.environ.get("PROVINCE_DATABASE_URL", DEFAULT_URL.replace("assistance_bench", "assistance_province"))
    if os.environ.get("PROVINCE_RESUME"):  # go on loading a province an earlier run left
        app = bench_app(url)
        with app.extensions["db_engine"].connect() as conn:
            loaded = conn.scalar(text("SELECT count(*) FROM process_instance WHERE business_key LIKE 'PV-%'"))
        say(f"resuming at {loaded:,} cases")
        return load_and_measure(app, loaded)
    say(f"fresh database {url.rsplit('/', 1)[-1]}: migrate, demo, deploy")
    app = prepare(url)
    engine = app.extensions["db_engine"]
    case = templates(app)
    say(f"templates from case {case}")
    with engine.begin() as conn:
        for statement in ORG_SQL.strip().split(";\n"):
            conn.execute(text(statement))
    users(engine)
    with engine.begin() as conn:  # ten years of month partitions, as a province's history has them
        now = datetime.now(UTC)
        made = ensure_partitions(conn, now, since=now.replace(year=now.year - 10))
    say(f"{len(made)} month partitions")
    return load_and_measure(app, 0)


def load_and_measure(app, loaded: int) -> int:
    """Load cases from number `loaded` on, measuring at each size of PROVINCE_STEPS."""
    engine, figures, full = app.extensions["db_engine"], [], False
    began = time.monotonic()
    for size in sorted(s for s in STEPS_AT if s <= CASES):
        while loaded < size and not full:
            upto = min(size, loaded + CHUNK)
            load_chunk(engine, loaded, upto)
            loaded = upto
            gb = database_gb(engine)
            say(f"loaded {loaded:,} cases ({time.monotonic() - began:.0f} s, {gb:.1f} GB)")
            # the loading stops short of PROVINCE_CASES only: at the last size there is no next chunk to pass it
            full = loaded < CASES and gb + (gb / loaded) * CHUNK > DISK_LIMIT_GB
            if full:
                say(f"the next {CHUNK:,} cases would pass {DISK_LIMIT_GB:.0f} GB: measuring at {loaded:,}")
            elif TIME_LIMIT and time.monotonic() - began > TIME_LIMIT:
                full = True
                say(f"loading stopped after {TIME_LIMIT:.0f} s (PROVINCE_LOAD_SECONDS): measuring at {loaded:,}")
        figures.append(measure_at(app, loaded, began))
        if full:
            break
    bad = [key for f in figures for key, goal in GOALS.items() if f.get(key, 0) > goal]
    return 1 if bad or full else 0


def database_gb(engine) -> float:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_database_size(current_database())")) / 2**30


def measure_at(app, size: int, began: float) -> dict:
    with app.extensions["db_engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # the inbox's tables vacuumed (index-only scans); the rest, only written once, analyzed
        conn.execute(text("VACUUM (ANALYZE) task, task_candidate, job, benefit, benefit_change"))
        conn.execute(text("ANALYZE"))
    say(f"measuring at {size:,} cases")
    figures = {**measure(app, size), "load_seconds": round(time.monotonic() - began)}
    FIGURES.append(figures)
    report(FIGURES)
    (HERE / "province_results.json").write_text(json.dumps(
        {"at": datetime.now(UTC).isoformat(), "figures": FIGURES}, indent=2) + "\n")
    return figures


FIGURES: list[dict] = []


if __name__ == "__main__":
    sys.exit(main())
