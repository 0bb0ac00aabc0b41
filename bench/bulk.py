"""Bulk-loaded rows for the scale figures: 10,000 villages, 1,000,000 open tasks, 990,000 waiting timers.

Rows are made by INSERT ... SELECT generate_series in PostgreSQL, so loading takes seconds,
not hours; each village has one carrier case the bulk tasks and timers belong to.
"""

from sqlalchemy import text
from werkzeug.security import generate_password_hash

TOWNSHIPS, VILLAGES = 100, 10_000
VILLAGE_PATH = "'/bk/t' || lpad((v / 100)::text, 3, '0') || '/v' || lpad(v::text, 4, '0') || '/'"
INBOX_USERS = [(f"bench_village_{v}", v) for v in (42, 4217, 7788, 9999, 1234)]
TOWNSHIP_USER = ("bench_township_42", 42)

ORG_SQL = f"""
INSERT INTO org_unit (code, name, level, path, county_path) VALUES ('bk', '基准县', 'county', '/bk/', '/bk/');
INSERT INTO org_unit (code, name, level, path, county_path)
  SELECT 'bk-t' || t, '镇' || t, 'township', '/bk/t' || lpad(t::text, 3, '0') || '/', '/bk/'
  FROM generate_series(0, {TOWNSHIPS - 1}) t;
INSERT INTO org_unit (code, name, level, path, county_path)
  SELECT 'bk-v' || v, '村' || v, 'village', {VILLAGE_PATH}, '/bk/' FROM generate_series(0, {VILLAGES - 1}) v;
INSERT INTO process_instance (id, definition_id, definition_key, business_key, org_path, state, started_at,
                              variables, workflow, version)
  SELECT 'bulk-' || v, :definition, 'dibao', 'BULK-' || v, {VILLAGE_PATH}, 'ACTIVE', now(), '{{}}', '', 1
  FROM generate_series(0, {VILLAGES - 1}) v;
"""

# 60 % of a village's tasks wait for the village committee, the rest for the township's roles.
TASK_SQL = f"""
INSERT INTO task (id, process_instance_id, definition_id, definition_key, business_key, activity_id, name, org_path,
                  candidate_groups, created, due, due_provisional, priority)
  SELECT md5('task' || i)::uuid::text, 'bulk-' || v, :definition, 'dibao', 'BULK-' || v, g.activity, g.activity,
         {VILLAGE_PATH}, json_build_array(g.grp), now() - (i % 86400) * interval '1 minute',
         now() + (i % 30) * interval '1 day', false, 50
  FROM (SELECT i, i % {VILLAGES} AS v, i / {VILLAGES} % 10 AS k FROM generate_series(0, :tasks - 1) i) s
  JOIN (VALUES (0, 'democratic_appraisal', 'village'), (1, 'democratic_appraisal', 'village'),
               (2, 'democratic_appraisal', 'village'), (3, 'democratic_appraisal', 'village'),
               (4, 'democratic_appraisal', 'village'), (5, 'democratic_appraisal', 'village'),
               (6, 'accept', 'window'), (7, 'home_visit', 'investigator'),
               (8, 'township_review', 'township_reviewer'), (9, 'township_review', 'township_reviewer'))
       AS g(k, activity, grp) ON g.k = s.k;
INSERT INTO task_candidate (task_id, group_id, org_path)
  SELECT id, candidate_groups ->> 0, org_path FROM task WHERE process_instance_id LIKE 'bulk-%';
"""

JOB_SQL = f"""
INSERT INTO job (id, process_instance_id, definition_id, definition_key, activity_id, org_path, type, due, retries,
                 created)
  SELECT md5('job' || i)::uuid::text, 'bulk-' || v, :definition, 'dibao', 'annual_recheck', {VILLAGE_PATH},
         'timer', now() + interval '30 days' + (i % 1000) * interval '1 day', 3, now()
  FROM (SELECT i, i % {VILLAGES} AS v FROM generate_series(0, :jobs - 1) i) s;
"""


def _run(conn, sql: str, **params) -> None:
    for statement in filter(str.strip, sql.split(";")):
        conn.execute(text(statement), params)


def _user(conn, username: str, hashed: str, path: str, group: str) -> None:
    conn.execute(text("INSERT INTO app_user (username, display_name, password_hash, org_path, groups, active) "
                      "VALUES (:u, :u, :h, :p, :g, true)"),
                 {"u": username, "h": hashed, "p": path, "g": f'["{group}"]'})


def load(engine, definition_id: str, tasks: int = 1_000_000, jobs: int = 990_000) -> None:
    """Load the organisation, the carrier cases, `tasks` open tasks and `jobs` not-yet-due timers."""
    hashed = generate_password_hash("demo123")
    with engine.begin() as conn:
        # the rows are consistent by construction: skip the per-row foreign-key triggers (superuser only)
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        _run(conn, ORG_SQL, definition=definition_id)
        for username, village in INBOX_USERS:
            _user(conn, username, hashed, f"/bk/t{village // 100:03d}/v{village:04d}/", "village")
        _user(conn, TOWNSHIP_USER[0], hashed, f"/bk/t{TOWNSHIP_USER[1]:03d}/", "township_reviewer")
        _run(conn, TASK_SQL, definition=definition_id, tasks=tasks)
        _run(conn, JOB_SQL, definition=definition_id, jobs=jobs)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
