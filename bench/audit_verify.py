"""Verify 10,000 cases — hash chain, definition digest and a full replay each — and report the rate.

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


def _verify(app) -> tuple[int, int]:
    from app.domain.actors import SYSTEM
    from app.services.audit import verify_all

    with app.app_context():
        verdicts = list(verify_all(app.extensions["runtime"], SYSTEM))
    return len(verdicts), sum(1 for v in verdicts if not v.ok)


def main() -> dict:
    """Make the cases, verify them all, print and return {"cases", "seconds", "cases_per_second"}."""
    url = _url()
    app = prepare(url)
    began = time.monotonic()
    _make_cases(url, CASES)
    made = time.monotonic() - began
    began = time.monotonic()
    cases, failed = _verify(app)
    seconds = time.monotonic() - began
    app.extensions["db_engine"].dispose()
    result = {"cases": cases, "seconds": round(seconds, 2), "cases_per_second": round(cases / seconds, 1),
              "failed": failed, "events_per_case": 2, "setup_seconds": round(made, 1)}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
