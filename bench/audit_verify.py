"""Verify 10,000 cases — hash chain, definition digest and a full replay each — and report the rates: a full
replay in one process and in AUDIT_BENCH_WORKERS processes (which keeps each case's signed checkpoint), then,
after 1 % of the cases took one more step, the nightly incremental run (chains, and a replay of the events after
each checkpoint).

    python -m bench.audit_verify      # AUDIT_BENCH_CASES (default 10000); DATABASE_URL names the server

The cases are made in-process through the service's own handlers (not over HTTP), in a
fresh PostgreSQL database `assistance_bench_audit` on the server of DATABASE_URL (or the
local one): each 低保 case is started and its 受理 completed with validated form values,
so it has two events and waits at 入户调查 ∥ 信息核对. Only verification is timed.
"""

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy.engine import make_url

from bench.database import DEFAULT_URL, prepare
from bench.dibao_path import STEPS

CASES = int(os.environ.get("AUDIT_BENCH_CASES", "10000"))
WORKERS = int(os.environ.get("AUDIT_BENCH_WORKERS", "2"))


def _url() -> str:
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not base.startswith("postgresql"):
        base = DEFAULT_URL
    return make_url(base).set(database="assistance_bench_audit").render_as_string(hide_password=False)


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


def _verify(app, full: bool = True, processes: int = 1) -> tuple[int, int, float]:
    """Verify every case; return (cases, failed, seconds)."""
    from app.domain.actors import SYSTEM
    from app.services.verification import VerificationRun, verify_cases

    run = VerificationRun(app.config["AUDIT_KEY"].encode(), full=full, processes=processes)
    began = time.monotonic()
    with app.app_context():
        verdicts = list(verify_cases(app.extensions["runtime"], SYSTEM, run))
    return len(verdicts), sum(1 for v in verdicts if not v.ok), time.monotonic() - began


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


def _rate(cases: int, seconds: float) -> float:
    return round(cases / seconds, 1)


def main() -> dict:
    """Make the cases, verify them (full in one process, full in several, then incremental after 1 % changed),
    print and return the rates; "cases_per_second" is the single-process full replay's."""
    url = _url()
    app = prepare(url)
    began = time.monotonic()
    _make_cases(url, CASES)
    made = time.monotonic() - began
    cases, failed, seconds = _verify(app, full=True, processes=1)
    _, failed_parallel, parallel = _verify(app, full=True, processes=WORKERS)  # keeps the checkpoints
    changed = _change_some(app, 0.01)
    _, failed_nightly, nightly = _verify(app, full=False, processes=WORKERS)
    _, _, nightly_alone = _verify(app, full=False, processes=1)
    app.extensions["db_engine"].dispose()
    result = {"cases": cases, "seconds": round(seconds, 2), "cases_per_second": _rate(cases, seconds),
              "full_processes": WORKERS, "full_parallel_cases_per_second": _rate(cases, parallel),
              "changed_cases": changed, "incremental_cases_per_second": _rate(cases, nightly),
              "incremental_one_process_cases_per_second": _rate(cases, nightly_alone),
              "failed": failed + failed_parallel + failed_nightly, "events_per_case": 2,
              "setup_seconds": round(made, 1)}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
