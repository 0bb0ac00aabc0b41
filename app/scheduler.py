"""APScheduler job that fires due timers every second, once per process.

Each poll fires timers for a share of the interval (SCHEDULER_BUSY_SHARE), so requests keep
answering during a backlog; while no request is being served by this process, it goes on
for most of the interval, so an idle process drains a backlog at full speed.

A second job as often works off the deadline recomputes a calendar change owes (app/services/deadlines.py).
It starts from app/wsgi.py in serving processes only, and every ten minutes also deletes the
idempotency keys older than IDEMPOTENCY_KEY_HOURS. APScheduler's lines about each poll (running,
executed, skipped while the previous poll still runs) are DEBUG records; a failed poll is logged
and counted in /metrics (`assistance_scheduler_poll_failures_total`).
"""

import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, g

from app.api.idempotency import purge_expired
from app.metrics import SCHEDULER_POLL_FAILURES, engine_time
from app.services.deadlines import work_off_all
from app.services.jobs import catch_up
from app.services.partition_upkeep import keep_partitions
from app.services.payroll.runs import payroll_tick

log = logging.getLogger(__name__)
# what APScheduler says about every poll, twice a second per process at INFO or WARNING
_PER_POLL = ("Running job", "Job \"", "Execution of job", "Run time of job")


class PerPollAsDebug(logging.Filter):
    """Log APScheduler's per-poll records at DEBUG, so they show only when the service logs at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING or not str(record.msg).startswith(_PER_POLL):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def _quiet_apscheduler() -> None:
    for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, PerPollAsDebug) for f in logger.filters):
            logger.addFilter(PerPollAsDebug())


class RequestsInFlight:
    """How many requests this process is serving right now."""

    def __init__(self):
        self.count, self._lock = 0, threading.Lock()

    def watch(self, app: Flask) -> None:
        app.before_request(self._enter)
        app.teardown_request(self._leave)

    def idle(self) -> bool:
        return self.count == 0

    def _enter(self) -> None:
        with self._lock:
            self.count += 1
        g.in_flight_counted = True

    def _leave(self, _exc) -> None:
        if g.pop("in_flight_counted", False):
            with self._lock:
                self.count -= 1


def _purge_keys(app: Flask) -> None:
    try:
        purged = purge_expired(app)
    except Exception:  # the next run tries again; expired keys answer nothing meanwhile
        log.exception("purging expired idempotency keys failed")
    else:
        log.debug("purged %d expired idempotency keys", purged)


def keep_month_partitions(app: Flask) -> None:
    """Make the month partitions ahead (app/store/partitions.py); a failure is logged and tried again: till then
    rows go to the default partition, so no insert fails for it."""
    try:
        keep_partitions(app.extensions["runtime"])
    except Exception:
        log.exception("making the month partitions ahead failed")


def start_scheduler(app: Flask) -> BackgroundScheduler | None:
    """Start the timer poller unless disabled, or this is the reloader's watcher process."""
    if not app.config["SCHEDULER"] or (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true"):
        return None
    _quiet_apscheduler()
    runtime = app.extensions["runtime"]
    requests = RequestsInFlight()
    requests.watch(app)
    scheduler = BackgroundScheduler(daemon=True)
    interval = app.config["SCHEDULER_INTERVAL_SECONDS"]
    budget = interval * app.config["SCHEDULER_BUSY_SHARE"]

    def tick():
        try:
            with engine_time():
                catch_up(runtime, budget, idle=requests.idle, idle_seconds=0.9 * interval)
        except Exception:  # keep polling; each job's failure is already recorded on the job
            SCHEDULER_POLL_FAILURES.inc()
            log.exception("timer poll failed")

    scheduler.add_job(tick, "interval", seconds=interval, max_instances=1, coalesce=True, id="fire_due_jobs")

    def recompute():
        try:
            work_off_all(runtime, budget)
        except Exception:  # the database away: the recomputes wait in their rows for the next poll
            log.exception("deadline recompute poll failed")

    scheduler.add_job(recompute, "interval", seconds=interval, max_instances=1, coalesce=True,
                      id="recompute_deadlines")

    def payroll():
        try:
            payroll_tick(runtime)
        except Exception:  # keep the monthly timer going; a failed build is retried at the next tick
            log.exception("payroll tick failed")

    scheduler.add_job(payroll, "interval", seconds=60, max_instances=1, coalesce=True, id="payroll")
    scheduler.add_job(_purge_keys, "interval", args=(app,), minutes=10, max_instances=1, coalesce=True,
                      id="purge_idempotency_keys")
    scheduler.add_job(keep_month_partitions, "interval", args=(app,), hours=6, max_instances=1, coalesce=True,
                      id="month_partitions")
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    return scheduler
