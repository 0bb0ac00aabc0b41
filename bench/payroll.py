"""The monthly roll at province scale: 1,000,000 households in payment on one PostgreSQL.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wt26_bench python -m bench.payroll

Bulk-loads a county of 100 townships and 1,000,000 低保/特困 households in payment (their cases, payment
facts and amounts, by INSERT ... SELECT generate_series), then through the service's own functions:
builds the December roll (goal <= 60 s), has two finance users review and confirm it (the freeze writes
1,000,000 chained ledger entries), exports its bank file as CSV (goal <= 30 s) and as xlsx, re-checks
1 % of the households, and builds January's roll beside December's (a steady month: last month's lines
joined, the changed households' back pay looked for). Peak memory is read from the process itself: the
roll is never held in Python.
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

from app.domain.actors import Actor
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from app.services.payroll.bank import csv_chunks, open_bank_file, xlsx_path
from app.services.payroll.runs import start_run
from app.store.tables import PayrollRun, Task

from .database import bench_url, prepare

HOUSEHOLDS = int(os.environ.get("PAYROLL_HOUSEHOLDS", "1000000"))
# xlsxwriter writes some 10,000 cells a second here: a million-line sheet takes minutes, so it is timed on
# smaller rolls (PAYROLL_XLSX_UP_TO) and CSV is the bank file measured at scale
XLSX_UP_TO = int(os.environ.get("PAYROLL_XLSX_UP_TO", "200000"))
TOWNSHIPS = 100
HERE = Path(__file__).parent
FINANCE = (Actor("finance_pb", "/pb/", frozenset({"finance"})), Actor("finance2_pb", "/pb/", frozenset({"finance"})))

LOAD_SQL = """
INSERT INTO org_unit (code, name, level, path, county_path) VALUES ('pb', '基准发放县', 'county', '/pb/', '/pb/');
INSERT INTO org_unit (code, name, level, path, county_path)
  SELECT 'pb-t' || t, '镇' || t, 'township', '/pb/t' || lpad(t::text, 3, '0') || '/', '/pb/'
  FROM generate_series(0, :townships - 1) t;
INSERT INTO app_user (username, display_name, password_hash, org_path, groups, active)
  VALUES ('finance_pb', '财政', 'x', '/pb/', '["finance"]', true),
         ('finance2_pb', '财政复核', 'x', '/pb/', '["finance"]', true);
INSERT INTO process_instance (id, definition_id, definition_key, business_key, org_path, state, started_at,
                              variables, workflow, version)
  SELECT 'pb-' || i, CASE WHEN i % 20 = 0 THEN :tekun ELSE :dibao END,
         CASE WHEN i % 20 = 0 THEN 'tekun' ELSE 'dibao' END, 'PB-' || i,
         '/pb/t' || lpad((i % :townships)::text, 3, '0') || '/', 'ACTIVE', now(), '{}', '', 1
  FROM generate_series(1, :households) i;
INSERT INTO benefit (process_instance_id, definition_key, business_key, org_path, township_path, county_path,
                     applicant_name, id_number, household_size, income_fen, bank_account, account_problem,
                     payment_from, updated_at)
  SELECT 'pb-' || i, CASE WHEN i % 20 = 0 THEN 'tekun' ELSE 'dibao' END, 'PB-' || i,
         '/pb/t' || lpad((i % :townships)::text, 3, '0') || '/', '/pb/t' || lpad((i % :townships)::text, 3, '0') || '/',
         '/pb/', '户主' || i, '110101' || lpad((i % 100000000)::text, 11, '0') || 'X', 1 + i % 5, 30000 + i % 40000,
         '621700' || lpad(i::text, 13, '0'), CASE WHEN i % 1000 = 0 THEN '缺少银行账号' END, '2026-01', now()
  FROM generate_series(1, :households) i;
INSERT INTO benefit_change (process_instance_id, county_path, effective_month, amount_fen, reason, recorded_at)
  SELECT 'pb-' || i, '/pb/', '2026-01', 20000 + (i % 50) * 1000, 'approval', now() - interval '1 year'
  FROM generate_series(1, :households) i;
INSERT INTO benefit_change (process_instance_id, county_path, effective_month, amount_fen, reason, recorded_at)
  SELECT 'pb-' || i, '/pb/', '2026-07', CASE WHEN i % 100 = 7 THEN 0 ELSE 25000 END,
         CASE WHEN i % 100 = 7 THEN 'stop' ELSE 'recheck_change' END, now() - interval '6 months'
  FROM generate_series(1, :households) i WHERE i % 10 = 7;
"""

RECHECK_SQL = """
INSERT INTO benefit_change (process_instance_id, county_path, effective_month, amount_fen, reason, recorded_at)
  SELECT 'pb-' || i, '/pb/', '2027-01', 31000, 'recheck_change', now()
  FROM generate_series(1, :households) i WHERE i % 100 = 3;
"""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(label: str, action):
    began = time.monotonic()
    result = action()
    seconds = round(time.monotonic() - began, 1)
    say(f"{label}: {seconds} s (peak memory {peak_mb()} MB)")
    return result, seconds


def load(engine) -> None:
    with engine.begin() as conn:
        ids = dict(conn.execute(text("SELECT key, max(id) FROM process_definition WHERE key IN ('dibao', 'tekun') "
                                     "GROUP BY key")).all())
        for statement in LOAD_SQL.strip().split(";\n"):
            conn.execute(text(statement), {"townships": TOWNSHIPS, "households": HOUSEHOLDS, "dibao": ids["dibao"],
                                           "tekun": ids["tekun"]})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("process_instance", "benefit", "benefit_change"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))


def freeze(rt, run_id: int) -> None:
    """审核 by one finance user, 复核 by another: the second completion freezes the roll into the ledger."""
    with rt.reading() as uow:
        key = uow.session.scalar(select(PayrollRun.business_key).where(PayrollRun.id == run_id))
    for actor, activity, values in ((FINANCE[0], "payroll_review", {"review_decision": "approve"}),
                                    (FINANCE[1], "payroll_confirm", {"confirm_decision": "confirm"})):
        with rt.reading() as uow:
            task = uow.session.scalar(select(Task.id).where(Task.business_key == key, Task.activity_id == activity))
        complete_task(rt, CompleteTask(actor, task, values))


def export_csv(rt, run_id: int) -> int:
    file = open_bank_file(rt, FINANCE[0], run_id, "csv")
    return sum(len(chunk) for chunk in csv_chunks(rt, file))


def export_xlsx(rt, run_id: int) -> int:
    path = Path(xlsx_path(rt, open_bank_file(rt, FINANCE[0], run_id, "xlsx")))
    size = path.stat().st_size
    path.unlink()
    return size


def run_count(rt, run_id: int) -> tuple[int, int]:
    with rt.reading() as uow:
        run = uow.session.get(PayrollRun, run_id)
        return run.lines, run.total_fen


def main() -> int:
    url = bench_url()
    say(f"fresh database {url.rsplit('/', 1)[-1]}: migrate, demo, deploy")
    app = prepare(url)
    rt, engine = app.extensions["runtime"], app.extensions["db_engine"]
    results: dict = {"households": HOUSEHOLDS}
    _, results["load_seconds"] = timed(f"bulk load {HOUSEHOLDS:,} households in payment", lambda: load(engine))
    december, results["build_seconds"] = timed("build the 2026-12 roll", lambda: start_run(rt, FINANCE[0], "pb",
                                                                                           "2026-12"))
    results["lines"], results["total_fen"] = run_count(rt, december)
    _, results["freeze_seconds"] = timed("审核 + 复核: freeze into the ledger", lambda: freeze(rt, december))
    results["csv_bytes"], results["export_csv_seconds"] = timed("bank file CSV", lambda: export_csv(rt, december))
    if HOUSEHOLDS <= XLSX_UP_TO:
        results["xlsx_bytes"], results["export_xlsx_seconds"] = timed("bank file xlsx",
                                                                      lambda: export_xlsx(rt, december))
    with engine.begin() as conn:
        conn.execute(text(RECHECK_SQL), {"households": HOUSEHOLDS})
    january, results["build_next_seconds"] = timed("build the 2027-01 roll beside December's",
                                                   lambda: start_run(rt, FINANCE[0], "pb", "2027-01"))
    results["lines_next"], _ = run_count(rt, january)
    results["peak_memory_mb"] = peak_mb()
    report(results)
    (HERE / "payroll_results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    ok = results["build_seconds"] <= 60 and results["export_csv_seconds"] <= 30
    return 0 if ok else 1


def report(r: dict) -> None:
    rows = [("households in payment (bulk-loaded)", f"{r['households']:,}", "-"),
            ("roll lines / total", f"{r['lines']:,} / ¥{r['total_fen'] / 100:,.2f}", "-"),
            ("build the roll (s)", r["build_seconds"], "<= 60"),
            ("build next month's, beside last month's (s)", r["build_next_seconds"], "<= 60"),
            ("审核 + 复核, freeze: ledger entries chained (s)", r["freeze_seconds"], "-"),
            ("export bank file CSV (s)", f"{r['export_csv_seconds']} ({r['csv_bytes'] / 2**20:.0f} MiB)", "<= 30"),
            *([("export bank file xlsx (s)", f"{r['export_xlsx_seconds']} ({r['xlsx_bytes'] / 2**20:.0f} MiB)", "-")]
              if "export_xlsx_seconds" in r else []),
            ("peak memory of the process (MB)", r["peak_memory_mb"], "bounded")]
    width = max(len(name) for name, _, _ in rows)
    print()
    for name, value, goal in rows:
        print(f"{name:<{width}}  {value!s:>28}  {goal}")


if __name__ == "__main__":
    sys.exit(main())
