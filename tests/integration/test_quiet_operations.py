"""Only serving processes run a timer scheduler; its per-poll lines are DEBUG; failed polls are counted."""

import io
import logging
import os
import subprocess
import sys
import time

from app import create_app
from app.config import Config
from app.scheduler import start_scheduler
from tests.support.timer_cases import ROOT


def _env(app, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "quiet", "SCHEDULER": "1",
            "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG", "FLASK_APP": "app", **extra}


def test_a_flask_command_starts_no_scheduler(app):
    flask = str(ROOT / ".venv" / "bin" / "flask") if (ROOT / ".venv" / "bin" / "flask").exists() else "flask"
    done = subprocess.run([flask, "routes"], cwd=ROOT, env=_env(app), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "apscheduler" not in done.stderr and "/engine-rest/task" in done.stdout


def test_the_served_app_runs_one_scheduler(app):
    code = "from app.wsgi import app; print(app.extensions['scheduler'].get_job('fire_due_jobs').id)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(app, LOG_LEVEL="WARNING"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "fire_due_jobs", done.stderr


def _poll_failures(client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("assistance_scheduler_poll_failures_total "):
            return float(line.split()[1])
    raise AssertionError("assistance_scheduler_poll_failures_total is not served")


def test_polls_log_nothing_at_info_and_failed_polls_are_counted(client, tmp_path):
    root = logging.getLogger()
    stream, level = io.StringIO(), root.level
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    before = _poll_failures(client)
    # a database without tables: every poll fails
    broken = create_app(Config(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", SECRET_KEY="quiet",
                               SCHEDULER=True, SCHEDULER_INTERVAL_SECONDS=0.1))
    scheduler = start_scheduler(broken)
    try:  # polls every 0.1 s: wait for three failures, however busy the machine (at most 10 s)
        deadline = time.monotonic() + 10
        while stream.getvalue().count("ERROR app.scheduler timer poll failed") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
        root.removeHandler(handler)
        root.setLevel(level)
        broken.extensions["db_engine"].dispose()
    lines = stream.getvalue().splitlines()
    per_poll = ("Running job", "executed successfully", "skipped", "was missed")
    assert not [line for line in lines if " apscheduler." in line and any(p in line for p in per_poll)]
    failed = [line for line in lines if line.startswith("ERROR app.scheduler timer poll failed")]
    assert len(failed) >= 3
    assert _poll_failures(client) - before >= len(failed)


def test_per_poll_lines_show_when_the_service_logs_at_debug(tmp_path):
    root = logging.getLogger()
    stream, level = io.StringIO(), root.level
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    broken = create_app(Config(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", SECRET_KEY="quiet",
                               SCHEDULER=True, SCHEDULER_INTERVAL_SECONDS=0.1))
    scheduler = start_scheduler(broken)
    try:
        time.sleep(0.5)
    finally:
        scheduler.shutdown(wait=True)
        root.removeHandler(handler)
        root.setLevel(level)
        broken.extensions["db_engine"].dispose()
    assert "DEBUG apscheduler.executors.default Running job" in stream.getvalue()
