"""Stored bytes per case: the case row (its state) and every row kept for it (tasks, history, audit log)."""

from sqlalchemy import text

PAID = ("EXISTS (SELECT 1 FROM history_activity h WHERE h.process_instance_id = p0.id "
        "AND h.activity_id = 'payment' AND h.end_time IS NOT NULL)")
# in progress: between start and payment; paid: approved and paid, waiting for its yearly re-check
STAGES = {"in_progress": f"p0.state = 'ACTIVE' AND NOT {PAID}", "paid": PAID}
PER_CASE_TABLES = ("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                   "AND column_name = 'process_instance_id' AND table_name <> 'process_instance'")


def _bytes(conn, stage: str) -> dict:
    cases_sql = f"SELECT p0.id FROM process_instance p0 WHERE p0.business_key LIKE 'BENCH-%' AND {STAGES[stage]}"
    conn.execute(text("DROP TABLE IF EXISTS bench_cases"))
    conn.execute(text(f"CREATE TEMP TABLE bench_cases AS {cases_sql}"))
    cases_in = "SELECT id FROM bench_cases"
    cases = conn.execute(text(f"SELECT count(*) FROM ({cases_in}) c")).scalar()
    if not cases:
        return {"cases": 0}
    row = conn.execute(text(f"SELECT sum(pg_column_size(p.*)), sum(pg_column_size(p.workflow)) "
                            f"FROM process_instance p WHERE p.id IN ({cases_in})")).one()
    total = int(row[0])
    for table in conn.execute(text(PER_CASE_TABLES)).scalars():
        total += conn.execute(text(f"SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM {table} t "
                                   f"WHERE t.process_instance_id IN ({cases_in})")).scalar()
    total += conn.execute(text(f"SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM task_candidate c "
                               f"JOIN task t ON t.id = c.task_id WHERE t.process_instance_id IN ({cases_in})")).scalar()
    return {"cases": cases, "case_row_bytes": round(row[0] / cases), "workflow_bytes": round(row[1] / cases),
            "all_rows_bytes": round(total / cases)}


def measure(engine) -> dict:
    """Average bytes per 低保 case the load left behind, in progress and paid (rows, not indexes)."""
    with engine.connect() as conn:
        return {stage: _bytes(conn, stage) for stage in STAGES}
