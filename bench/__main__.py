"""Run every measurement in one go on this machine, print the table and write bench/results.json.

    python -m bench            # what `make bench` runs; BENCH_DATABASE_URL picks the PostgreSQL database
"""

import importlib.util
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

from . import bulk, cpu, database, floor, inbox, load, statements, storage, tasklist, timers
from .report import Row, table, write
from .server import Server

HERE = Path(__file__).parent
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "40"))
FLOOR_SECONDS = float(os.environ.get("BENCH_FLOOR_SECONDS", "20"))


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure_all() -> dict:
    raw = {"cores": os.cpu_count()}
    say("engine floor (one core, in memory)")
    raw["floor"] = floor.measure(FLOOR_SECONDS)
    say("the same with the stored state reloaded before each step, as every command of the service must")
    raw["floor_reloaded"] = floor.measure(FLOOR_SECONDS / 2, reload=True)
    url = database.bench_url()
    say(f"fresh database {url.rsplit('/', 1)[-1]}: migrate, demo, deploy")
    app = database.prepare(url)
    engine = app.extensions["db_engine"]
    say("statements and commits per completion")
    raw["statements"] = statements.measure(app)
    tasklist.add_users(app, tasklist.CLIENTS)
    say("statements per Tasklist client request")
    raw["tasklist_statements"] = tasklist.statements(app)
    with Server(url, scheduler=True, interval=1.0) as server:
        say(f"service throughput: gunicorn x{len(server.worker_pids())} workers, {LOAD_SECONDS:.0f} s")
        meter = cpu.Meter(server.worker_pids(), server.base, url)
        raw["service"] = load.run(server.base, LOAD_SECONDS, warmup=10, meter=meter,
                                  warmed=lambda: database.analyze(url))
        say(f"Tasklist clients x{tasklist.CLIENTS} (list, claim, complete), {LOAD_SECONDS:.0f} s")
        raw["tasklist"] = tasklist.run(server.base, LOAD_SECONDS, warmup=10, clients=tasklist.CLIENTS,
                                       meter=cpu.Meter(server.worker_pids(), server.base, url),
                                       endpoint_meter=cpu.EndpointMeter(server.base, tasklist.ENDPOINTS),
                                       warmed=lambda: database.analyze(url))
        raw["rss_after_load_mb"] = server.worker_rss_mb()
        raw["storage"] = storage.measure(engine)
        _scale(raw, server, engine)
        raw["rss_end_mb"] = server.worker_rss_mb()
    write(HERE / "results.json", rows(raw), raw)  # kept even if what follows fails
    raw["audit_verify"] = _audit_verify()
    return raw


def _bulk_load(raw: dict, engine) -> None:
    began = time.monotonic()
    with engine.connect() as conn:
        definition = conn.execute(text("SELECT id FROM process_definition WHERE key = 'dibao'")).scalar()
    bulk.load(engine, definition)
    raw["bulk_load_seconds"] = round(time.monotonic() - began, 1)


def _scale(raw: dict, server: Server, engine) -> None:
    say("10,000 re-check cases with a timer each over HTTP, while PostgreSQL bulk-loads 10,000 villages, "
        "1,000,000 open tasks and 990,000 waiting timers")
    loader = threading.Thread(target=_bulk_load, args=(raw, engine))
    loader.start()
    raw["recheck_start_seconds"] = round(timers.start_cases(server.base), 1)
    loader.join()
    say("inbox latency")
    raw["inbox"] = inbox.measure(server.base)
    say("timers: firing rate with 10,000 due among 1,000,000 waiting")
    raw["timer_pick"] = timers.pick_plan(engine)
    raw["timer_rate"] = timers.firing_rate(engine)
    rate = max(1.0, raw["timer_rate"]["per_second"] / 2)
    say(f"timers: due->fired latency, falling due at {rate:.0f}/s (half the firing rate) for 20 s")
    raw["timer_lag"] = timers.lag(engine, rate)


def _audit_verify() -> dict | None:
    """The audit engineer's bench/audit_verify.py, when it is there."""
    if importlib.util.find_spec("bench.audit_verify") is None:
        return None
    say("audit verification")
    from . import audit_verify

    try:
        return audit_verify.main()
    except Exception as err:  # its failure is reported in the table; the other figures stand
        return {"error": f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"}


def rows(raw: dict) -> list[Row]:
    floor_rate, service = raw["floor"]["steps_per_second"], raw["service"]["completions_per_second"]
    st, inbox_, rate, lag = raw["statements"], raw["inbox"], raw["timer_rate"], raw["timer_lag"]
    active, done = raw["storage"]["in_progress"], raw["storage"]["paid"]
    rss = max(raw["rss_end_mb"] + raw["rss_after_load_mb"])
    pick = raw["timer_pick"]
    out = [
        Row("engine floor (1 core, user-task steps/s)", f"{floor_rate}", "reference", None),
        *_reload_rows(raw, floor_rate),
        Row(f"service via REST, {raw['cores']} workers, desks (completions/s)", f"{service}", "-", None),
        Row("service / floor (regression figure: 1.0x is out of reach here, see docs/performance.md)",
            f"{service / floor_rate:.2f}", ">= 0.5", service / floor_rate >= 0.5),
        *_cpu_rows(raw, floor_rate),
        *tasklist.rows(raw),
        Row("SQL statements per completion (mean / max)", f"{st['statements_mean']} / {st['statements_max']}", "<= 8",
            st["statements_max"] <= 8),
        Row("commits per completion", f"{st['commits_min']}..{st['commits_max']}", "exactly 1",
            st["commits_min"] == st["commits_max"] == 1),
        Row("inbox p50 (village group, page 50, 1M open)", f"{inbox_['village_p50_ms']} ms", "-", None),
        Row("inbox p95 (village group, page 50, 1M open)", f"{inbox_['village_p95_ms']} ms", "<= 25 ms",
            inbox_["village_p95_ms"] <= 25),
        Row("inbox p95 (township group, 100 villages)", f"{inbox_['township_p95_ms']} ms", "-", None),
        Row(f"due-job query among {pick['waiting']:,} waiting", f"{pick['ms']} ms {pick['index'] or pick['node']}",
            "index scan", pick["node"] == "Index Scan"),
        Row("timers fired per second (10,000 due, 1M waiting)", f"{rate['per_second']}", ">= 300",
            rate["per_second"] >= 300),
        Row(f"due->fired p50 (poll 1 s, {lag['rate']} due/s)", f"{lag['p50_s']} s", "-", None),
        Row(f"due->fired p99 (poll 1 s, {lag['rate']} due/s)", f"{lag['p99_s']} s", "<= 2 s",
            lag["p99_s"] is not None and lag["p99_s"] <= 2),
        Row("stored state per active dibao case (case row)", f"{active.get('case_row_bytes', 0)} B", "<= 6144 B",
            0 < active.get("case_row_bytes", 0) <= 6144),
        Row("all rows per active case (+tasks, history, audit)", f"{active.get('all_rows_bytes', 0)} B", "-", None),
        Row("stored state per paid case (waits for re-check)", f"{done.get('case_row_bytes', 0)} B", "-", None),
        Row("all rows per paid case", f"{done.get('all_rows_bytes', 0)} B", "-", None),
        Row("resident memory per service process (max)", f"{rss} MB", "<= 200 MB", rss <= 200),
    ]
    return out + _audit_rows(raw.get("audit_verify"))


def _cpu_rows(raw: dict, floor_rate: float) -> list[Row]:
    """Where the machine's CPU went per completion: the requests that carry it (a completion's share of the case's
    start, matching and timer commands, and of the desks' inbox and job list reads); the workers, the engine inside
    them, PostgreSQL and the load generator, which share the cores; what the target allows; the ceiling, what these
    cores would serve if the service's own code cost nothing (the engine, PostgreSQL and the load generator costing
    what they did); and what the cores would serve given to the workers alone."""
    service, cores = raw["service"], raw["cores"]
    workers = service.get("workers_ms_per_completion")
    if not workers:
        return []
    engine, postgres, load_ = (service[f"{party}_ms_per_completion"] for party in ("engine", "postgres", "load"))
    ceiling, alone = round(cores * 1000 / (engine + postgres + load_), 1), round(cores * 1000 / workers, 1)
    return [
        Row("HTTP requests per completion: commands / list reads",
            f"{service['commands_per_completion']} / {service['reads_per_completion']}", "-", None),
        Row("CPU per completion: workers (engine) / PostgreSQL / load (ms)",
            f"{workers} ({engine}) / {postgres} / {load_}", "-", None),
        Row(f"CPU per completion that 1.0x allows ({cores} cores / floor, ms)", f"{cores * 1000 / floor_rate:.1f}",
            "-", None),
        Row("ceiling: cores / (engine + PostgreSQL + load CPU)", f"{ceiling} ({ceiling / floor_rate:.2f}x)", "-", None),
        Row(f"workers alone on {cores} cores (cores / worker CPU per completion)",
            f"{alone} ({alone / floor_rate:.2f}x)", "-", None),
    ]


def _reload_rows(raw: dict, floor_rate: float) -> list[Row]:
    """The engine work a stateless service cannot avoid: restoring the case before each step."""
    reloaded = raw.get("floor_reloaded", {}).get("steps_per_second")
    if not reloaded:
        return []
    return [Row("engine with state reloaded each step (1 core, steps/s)", f"{reloaded} ({reloaded / floor_rate:.2f}x)",
                "-", None)]


def _audit_rows(result: dict | None) -> list[Row]:
    if not result:
        return []
    if "error" in result:
        return [Row("audit verify cases/s", "failed", "-", None)]
    rate = result.get("cases_per_second")
    rows = [Row("audit verify cases/s (full replay, 1 process)", f"{rate if rate is not None else json.dumps(result)}",
                "-", None)]
    if "full_parallel_cases_per_second" in result:
        rows += [Row(f"audit verify cases/s (full replay, {result['full_processes']} processes)",
                     f"{result['full_parallel_cases_per_second']}", ">= 1000", None),
                 Row(f"audit verify cases/s (nightly: chains + replay after checkpoints, "
                     f"{result['changed_cases']} of {result['cases']} changed)",
                     f"{result['incremental_cases_per_second']}", ">= 16667 (2 M cases in 2 min)", None)]
    return rows


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    raw = measure_all()
    result = rows(raw)
    print()
    print(table(result))
    if raw["service"]["error_count"]:
        print(f"\nservice load errors ({raw['service']['error_count']}):", *raw["service"]["errors"], sep="\n  ")
    write(HERE / "results.json", result, raw)
    print(f"\nwritten {HERE / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
