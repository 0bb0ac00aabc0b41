"""A province's night measured, not added up: 2,000,000 cases of which 1 % took a step since the last night.

    python -m bench.night      # NIGHT_BENCH_CASES (default 2000000); DATABASE_URL names the server

bench/audit_verify.py estimates the night from rates measured on 10,000 cases. Here the nightly run itself is timed
on a database of the province's size, in a fresh PostgreSQL database (`assistance_bench_night`):

1. 1 % of the cases (20,000) are made through the service's handlers (started, 受理 completed) and verified in full
   in two processes, which keeps their signed checkpoints;
2. signed copies of those cases' rows and checkpoints fill the database to 2,000,000 cases (copies have no events:
   the night meets them only in its comparison, where an unchanged case reads none);
3. every real case then takes one step (入户调查 completed): 1 % of the province changed since its checkpoint;
4. the night runs (two processes) as `flask verify-cases` runs it, over every case: each compared with its
   checkpoint, the changed ones verified and their new event replayed. Timed, every verdict checked, and every
   changed case's checkpoint found moved to its new event.

The night's third share, one unchanged case in 30 verified whole, would meet the copies' missing events; it is timed
on its own over the 20,000 real cases (each night's turn for all of them), once the copies are gone, and added.
"""

import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.audit_verify import NO_TURNS, REHASH_EVERY, WORKERS, _make_cases, _say, _verify, signed_copies
from bench.database import DEFAULT_URL, prepare
from bench.dibao_path import STEPS

CASES = int(os.environ.get("NIGHT_BENCH_CASES", "2000000"))
CHANGED = CASES // 100
DATABASE = "assistance_bench_night"
GOAL_SECONDS = 120


def _url() -> str:
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not base.startswith("postgresql"):
        base = DEFAULT_URL
    return make_url(base).set(database=DATABASE).render_as_string(hide_password=False)


def _step_slice(url: str, task_ids: list[str]) -> None:
    """Complete 入户调查 of each task in `task_ids`, in this process."""
    from app.services.cases import complete_task
    from app.services.commands import CompleteTask
    from app.services.users import active_actor
    from bench.database import bench_app

    app = bench_app(url)
    rt = app.extensions["runtime"]
    investigator, _ = active_actor(rt, "investigator_cg")
    with app.app_context():
        for task_id in task_ids:
            complete_task(rt, CompleteTask(investigator, task_id, dict(STEPS[1][2])))
    app.extensions["db_engine"].dispose()


def _step_all(app, url: str) -> int:
    """One more event for every real case, in WORKERS processes; return how many."""
    from app.store.tables import Task

    with app.extensions["runtime"].reading() as uow:
        tasks = list(uow.session.scalars(select(Task.id).where(Task.activity_id == "home_visit").order_by(Task.id)))
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        list(pool.map(_step_slice, [url] * WORKERS, [tasks[i::WORKERS] for i in range(WORKERS)]))
    return len(tasks)


def _checkpoints_at(app, seq: int) -> int:
    from app.store.tables import AuditCheckpoint

    with app.extensions["runtime"].reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditCheckpoint).where(AuditCheckpoint.seq == seq))


def main() -> dict:
    url = _url()
    began = time.monotonic()
    app = prepare(url)
    _make_cases(url, CHANGED)
    _say(f"{CHANGED:,} cases made (s)", round(time.monotonic() - began))
    cases, failed, seconds = _verify(app, full=True, processes=WORKERS)  # their checkpoints
    assert (cases, failed) == (CHANGED, 0), (cases, failed)
    _say(f"full replay, {WORKERS} processes (cases/s)", round(cases / seconds, 1))
    with signed_copies(app, url, CASES - CHANGED):
        stepped = _step_all(app, url)
        assert stepped == CHANGED, stepped
        _vacuum(app)
        _say(f"{stepped:,} cases changed since their checkpoints, among (cases)", _count(app))
        night_cases, night_failed, night = _verify(app, full=False, processes=WORKERS, **NO_TURNS)
        _say(f"the night over {night_cases:,} cases, {WORKERS} processes (s)", round(night, 1))
        assert night_failed == 0, night_failed
        replayed = _checkpoints_at(app, 3)  # each changed case verified at its new event, its checkpoint moved
        assert replayed == CHANGED, replayed
    _vacuum(app)  # the copies' dead rows out of the indexes the night's ranges read
    # every real case's turn to be verified whole, the copies gone: the rolling share's rate
    turns, turns_failed, turns_seconds = _verify(app, full=False, processes=WORKERS, rehash_every=1, night=1)
    assert (turns, turns_failed) == (CHANGED, 0), (turns, turns_failed)
    rolling = CASES / REHASH_EVERY / (turns / turns_seconds)
    _say(f"one in {REHASH_EVERY} of {CASES:,} verified whole (s, at {turns / turns_seconds:.0f} cases/s)",
         round(rolling, 1))
    result = {"cases": night_cases, "changed": CHANGED, "night_seconds": round(night, 1),
              "rolling_seconds": round(rolling, 1), "with_rolling_seconds": round(night + rolling, 1),
              "goal_seconds": GOAL_SECONDS, "processes": WORKERS, "load_average": os.getloadavg()[0]}
    print(f"the night, {night_cases:,} cases, {CHANGED:,} changed: {night:.1f} s, with one in {REHASH_EVERY} "
          f"verified whole {night + rolling:.1f} s (goal ≤ {GOAL_SECONDS} s)", flush=True)
    app.extensions["db_engine"].dispose()
    return result


def _vacuum(app) -> None:
    with app.extensions["db_engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE process_instance"))
        conn.execute(text("VACUUM ANALYZE audit_checkpoint"))


def _count(app) -> int:
    from app.store.tables import ProcessInstance

    with app.extensions["runtime"].reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProcessInstance))


if __name__ == "__main__":
    main()
