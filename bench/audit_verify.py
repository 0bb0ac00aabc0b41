"""Verify 10,000 cases — hash chain, definition digest and a full replay each — and report the rates: a full
replay in one process and in AUDIT_BENCH_WORKERS processes (which keeps each case's signed checkpoint), then,
after 1 % of the cases took one more step, the nightly incremental run (chains, and a replay of the events after
each checkpoint).

    python -m bench.audit_verify      # AUDIT_BENCH_CASES (default 10000); DATABASE_URL names the server,
                                      # AUDIT_BENCH_DATABASE the database (default assistance_bench_audit)

The cases are made in-process through the service's own handlers (not over HTTP), in a
fresh PostgreSQL database (`assistance_bench_audit`) on the server of DATABASE_URL (or the
local one): each 低保 case is started and its 受理 completed with validated form values,
so it has two events and waits at 入户调查 ∥ 信息核对. Only verification is timed.
"""

import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context

from sqlalchemy.engine import make_url

from bench.database import DEFAULT_URL, prepare
from bench.dibao_path import STEPS

CASES = int(os.environ.get("AUDIT_BENCH_CASES", "10000"))
WORKERS = int(os.environ.get("AUDIT_BENCH_WORKERS", "2"))
CLONES = int(os.environ.get("AUDIT_BENCH_CLONES", "0"))  # copies of the checkpointed cases to confirm at scale
DATABASE = os.environ.get("AUDIT_BENCH_DATABASE", "assistance_bench_audit")  # two runs at once: two names
REHASH_EVERY = 30  # as the nightly run's default (app/services/verification.py VerificationRun.rehash_every)
# a night on which no case has its turn to be verified whole: a case's turn is a 32-bit number modulo rehash_every
NO_TURNS = {"rehash_every": 2 ** 33, "night": 2 ** 32}


def _url() -> str:
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not base.startswith("postgresql"):
        base = DEFAULT_URL
    return make_url(base).set(database=DATABASE).render_as_string(hide_password=False)


def _make_slice(url: str, first: int, stop: int) -> None:
    """Make cases first..stop-1 in this process (processes, not threads: Python 3.11's ast.parse is not thread-safe)."""
    from app.services.cases import complete_task, start_case
    from app.services.commands import CompleteTask, StartCase
    from app.services.users import active_actor
    from app.store.queries import open_tasks_of
    from bench.database import bench_app

    app = bench_app(url)
    rt = app.extensions["runtime"]
    window, _ = active_actor(rt, "window_cg")
    with app.app_context():
        for n in range(first, stop):
            instance = start_case(rt, StartCase(window, "dibao", f"AUDIT-BENCH-{n:05d}"))
            with rt.unit_of_work() as uow:
                task_id = uow.session.scalars(open_tasks_of(instance.id)).first().id
            complete_task(rt, CompleteTask(window, task_id, dict(STEPS[0][2])))
    app.extensions["db_engine"].dispose()


def _make_cases(url: str, count: int) -> None:
    share = -(-count // WORKERS)
    bounds = [(i * share, min(count, (i + 1) * share)) for i in range(WORKERS)]
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        list(pool.map(_make_slice, [url] * WORKERS, *zip(*bounds, strict=True)))


def _verify(app, full: bool = True, processes: int = 1, **options) -> tuple[int, int, float]:
    """Verify every case; return (cases, failed, seconds)."""
    from app.domain.actors import SYSTEM
    from app.services.verification import VerificationRun, verify_cases

    run = VerificationRun(app.config["AUDIT_KEY"].encode(), full=full, processes=processes, **options)
    began = time.monotonic()
    with app.app_context():
        verdicts = list(verify_cases(app.extensions["runtime"], SYSTEM, run))
    return len(verdicts), sum(1 for v in verdicts if not v.ok), time.monotonic() - began


def _verify_whole(app, ids: list[str]) -> float:
    """Verify `ids` in full in one process (chain, checkpoint, replay after it); return the cases per second."""
    from app.services.verification import VerificationRun, verify_batch

    run = VerificationRun(app.config["AUDIT_KEY"].encode())
    began = time.monotonic()
    with app.app_context():
        for first in range(0, len(ids), run.batch):
            assert all(v.ok for v in verify_batch(app.extensions["runtime"], run, ids[first:first + run.batch]))
    return len(ids) / (time.monotonic() - began)


def _case_ids(app, where=None) -> list[str]:
    from sqlalchemy import select

    from app.store.tables import ProcessInstance, Task

    query = select(ProcessInstance.id).order_by(ProcessInstance.id)
    if where == "changed":  # the cases whose 入户调查 was completed (after the checkpoints)
        query = query.where(~ProcessInstance.id.in_(select(Task.process_instance_id)
                                                    .where(Task.activity_id == "home_visit")))
    with app.extensions["runtime"].reading() as uow:
        return list(uow.session.scalars(query))


def _reuse(url: str):
    """The bench database of an earlier run, migrated to today's schema (AUDIT_BENCH_REUSE=1), else None."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from bench.database import bench_app

    try:
        with create_engine(url).connect() as conn:
            made = conn.execute(text("SELECT count(*) FROM process_instance")).scalar()
    except Exception:  # noqa: BLE001 — no such database yet
        return None
    if made < CASES:
        return None
    app = bench_app(url)
    with app.app_context():
        upgrade()
    return app


def _confirm_at_scale(app, url: str, copies: int) -> tuple[int, float]:
    """Copy the checkpointed cases until `copies` cases exist beside them, confirm every case by its checkpoint (none
    re-hashed), remove the copies; return (cases confirmed, seconds)."""
    with signed_copies(app, url, copies):
        confirmed, failed, seconds = _verify(app, full=False, processes=WORKERS, **NO_TURNS)
        assert failed == 0, failed
    return confirmed, seconds


@contextmanager
def signed_copies(app, url: str, copies: int) -> Iterator[None]:
    """Copy the checkpointed cases' rows and checkpoints (new ids, signed with the key) until about `copies` cases
    exist beside them, for as long as the block runs. The copies have no events: only the nightly comparison, which
    reads none, may meet them (a night without turns, NO_TURNS)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.dialects import postgresql

    from app.services.verification import row_hashes
    from app.store.tables import AuditCheckpoint, ProcessInstance

    engine = create_engine(url)
    case_columns = [c.name for c in ProcessInstance.__table__.c]
    checkpoint_columns = [c.name for c in AuditCheckpoint.__table__.c]
    copied = ", ".join("n.new_id" if c == "id" else "p.business_key || '-' || n.k" if c == "business_key"
                       else f"p.{c}" for c in case_columns)
    # each copy's checkpoint: the row hashes of the copy (its business key differs), computed as the night computes
    # them, and signed as app/domain/audit.py checkpoint_signature signs it, with the copy's row version
    identity, status = (str(h.element.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
                        for h in row_hashes()[1:])
    signed = ("encode(hmac('[\"' || s.new_id || '\",' || s.seq || ',\"' || s.event_hash || '\",\"' || s.state_hash"
              " || '\",\"' || s.variables_hash || '\",\"' || s.case_data_hash || '\",' || s.new_version"
              " || ',\"' || s.identity_hash || '\",\"' || s.status_hash || '\"]', :key, 'sha256'), 'hex')")
    replaced = {"process_instance_id": "s.new_id", "signature": signed, "case_row_version": "s.new_version",
                "case_identity_hash": "s.identity_hash", "case_status_hash": "s.status_hash"}
    checkpoints = ", ".join(replaced.get(c, f"s.{c}") for c in checkpoint_columns)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgcrypto"))
        conn.execute(text("DROP TABLE IF EXISTS bench_copy"))
        conn.execute(text("CREATE TABLE bench_copy AS SELECT a.process_instance_id AS old_id, k, "
                          "gen_random_uuid()::text AS new_id FROM audit_checkpoint a, "
                          "generate_series(1, ceil(CAST(:copies AS float) / "
                          "(SELECT count(*) FROM audit_checkpoint))::int) k"), {"copies": copies})
        conn.execute(text(f"INSERT INTO process_instance ({', '.join(case_columns)}) SELECT {copied} "
                          "FROM bench_copy n JOIN process_instance p ON p.id = n.old_id"))
        conn.execute(text(f"INSERT INTO audit_checkpoint ({', '.join(checkpoint_columns)}) SELECT {checkpoints} "
                          "FROM (SELECT a.*, n.new_id, process_instance.row_version AS new_version, "
                          f"{identity} AS identity_hash, {status} AS status_hash FROM bench_copy n "
                          "JOIN audit_checkpoint a ON a.process_instance_id = n.old_id "
                          "JOIN process_instance ON process_instance.id = n.new_id) s"),
                     {"key": app.config["AUDIT_KEY"]})
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE process_instance"))
            conn.execute(text("VACUUM ANALYZE audit_checkpoint"))
        yield
    finally:
        with engine.begin() as conn:  # nothing refers to the copies but their checkpoints: no key checks per row
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("DELETE FROM audit_checkpoint "
                              "WHERE process_instance_id IN (SELECT new_id FROM bench_copy)"))
            conn.execute(text("DELETE FROM process_instance WHERE id IN (SELECT new_id FROM bench_copy)"))
            conn.execute(text("DROP TABLE bench_copy"))
        engine.dispose()


def _change_some(app, share: float) -> int:
    """Complete 入户调查 in `share` of the cases: one more event each since their checkpoint."""
    from sqlalchemy import select

    from app.services.cases import complete_task
    from app.services.commands import CompleteTask
    from app.services.users import active_actor
    from app.store.tables import Task

    rt = app.extensions["runtime"]
    investigator, _ = active_actor(rt, "investigator_cg")
    with rt.reading() as uow:
        tasks = list(uow.session.scalars(select(Task.id).where(Task.activity_id == "home_visit").order_by(Task.id)))
    changed = tasks[:max(1, int(len(tasks) * share))]
    with app.app_context():
        for task_id in changed:
            complete_task(rt, CompleteTask(investigator, task_id, dict(STEPS[1][2])))
    return len(changed)


def _checkpoint_bytes(url: str) -> tuple[int, int]:
    """A checkpoint's bytes on average: the whole row, and its own copies of the state and data (none while the
    case row is as it was verified, migration 0043)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        row, copies = conn.execute(text(
            "SELECT avg(pg_column_size(a.*))::int, avg(coalesce(pg_column_size(state), 0) "
            "+ coalesce(pg_column_size(variables), 0))::int FROM audit_checkpoint a")).one()
    engine.dispose()
    return row, copies


def _rate(cases: int, seconds: float) -> float:
    return round(cases / seconds, 1)


def _say(figure: str, value) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {figure}: {value} (load {os.getloadavg()[0]:.1f})", file=sys.stderr,
          flush=True)


def main() -> dict:
    """Make the cases, verify them (full in one process, full in several, then incremental after 1 % changed),
    print and return the rates; "cases_per_second" is the single-process full replay's."""
    url = _url()
    began = time.monotonic()
    app = _reuse(url) if os.environ.get("AUDIT_BENCH_REUSE") else None
    if app is None:
        app = prepare(url)
        _make_cases(url, CASES)
    made = time.monotonic() - began
    cases, failed, seconds = _verify(app, full=True, processes=1)
    _say("full replay, one process (cases/s)", _rate(cases, seconds))
    _, failed_parallel, parallel = _verify(app, full=True, processes=WORKERS)  # keeps the checkpoints
    _say(f"full replay, {WORKERS} processes (cases/s)", _rate(cases, parallel))
    checkpoint_bytes = _checkpoint_bytes(url)
    _say("a checkpoint's bytes: the row / its copies of the state and data", checkpoint_bytes)
    unchanged = _case_ids(app)[:500]
    whole_unchanged = _verify_whole(app, unchanged)  # what a case's turn to be re-hashed costs
    _say("an unchanged case verified whole, one process (cases/s)", round(whole_unchanged, 1))
    # every case confirmed by its checkpoint, none re-hashed
    _, _, confirmed = _verify(app, full=False, processes=WORKERS, **NO_TURNS)
    at_scale = _confirm_at_scale(app, url, CLONES) if CLONES else (cases, confirmed)
    _say(f"confirmed by their checkpoints among {at_scale[0]:,} (cases/s)", _rate(*at_scale))
    changed = _change_some(app, 0.01)
    whole_changed = _verify_whole(app, _case_ids(app, "changed")[:changed])  # verified, replayed, checkpointed
    _say("a changed case verified, one process (cases/s)", round(whole_changed, 1))
    _change_some(app, 0.01)  # another 1 % for the nightly runs below
    _, failed_nightly, nightly = _verify(app, full=False, processes=WORKERS)
    _change_some(app, 0.01)
    _, _, nightly_alone = _verify(app, full=False, processes=1)
    app.extensions["db_engine"].dispose()
    speedup = seconds / parallel  # what WORKERS processes give over one on this machine
    # a province's night: every case compared with its checkpoint, 1 % verified after their new events, and the
    # night's share of the unchanged verified whole (one in rehash_every)
    confirm_s = 2_000_000 / _rate(*at_scale)
    changed_s = 20_000 / whole_changed / speedup
    rolling_s = 2_000_000 / REHASH_EVERY / whole_unchanged / speedup
    province = confirm_s + changed_s + rolling_s
    result = {"cases": cases, "seconds": round(seconds, 2), "cases_per_second": _rate(cases, seconds),
              "full_processes": WORKERS, "full_parallel_cases_per_second": _rate(cases, parallel),
              "full_parallel_goal": ">= 1000",
              "changed_cases": changed, "incremental_cases_per_second": _rate(cases, nightly),
              "incremental_one_process_cases_per_second": _rate(cases, nightly_alone),
              "confirmed_by_checkpoint_cases_per_second": _rate(cases, confirmed),
              "confirmed_at_scale_cases": at_scale[0], "confirmed_at_scale_cases_per_second": _rate(*at_scale),
              "verified_whole_unchanged_cases_per_second": round(whole_unchanged, 1),
              "verified_whole_changed_cases_per_second": round(whole_changed, 1),
              "province_nightly_seconds_estimate": round(province, 1), "province_nightly_goal_seconds": 120,
              "province_nightly_compare_seconds": round(confirm_s, 1),
              "province_nightly_changed_seconds": round(changed_s, 1),
              "province_nightly_rolling_seconds": round(rolling_s, 1), "rehash_every": REHASH_EVERY,
              "parallel_speedup": round(speedup, 2), "load_average": os.getloadavg()[0],
              "failed": failed + failed_parallel + failed_nightly, "events_per_case": 2,
              "checkpoint_row_bytes": checkpoint_bytes[0], "checkpoint_copy_bytes": checkpoint_bytes[1],
              "setup_seconds": round(made, 1)}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
