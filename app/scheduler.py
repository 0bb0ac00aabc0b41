"""APScheduler job that fires due timers every second, once per process, busy for at most a share of it."""

import logging
import os

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from app.services.jobs import catch_up

log = logging.getLogger(__name__)


def start_scheduler(app: Flask) -> BackgroundScheduler | None:
    """Start the timer poller unless disabled, or this is the reloader's watcher process."""
    if not app.config["SCHEDULER"] or (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true"):
        return None
    runtime = app.extensions["runtime"]
    scheduler = BackgroundScheduler(daemon=True)
    budget = app.config["SCHEDULER_INTERVAL_SECONDS"] * app.config["SCHEDULER_BUSY_SHARE"]

    def tick():
        try:
            catch_up(runtime, budget)
        except Exception:  # keep polling; each job's failure is already recorded on the job
            log.exception("timer poll failed")

    scheduler.add_job(tick, "interval", seconds=app.config["SCHEDULER_INTERVAL_SECONDS"], max_instances=1,
                      coalesce=True, id="fire_due_jobs")
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    return scheduler
