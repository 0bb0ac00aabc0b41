"""The served app, and the one place a timer scheduler starts: `gunicorn app.wsgi:app` (make serve) and
`flask --app app.wsgi run` (make run) import this module in each serving process. Every other `flask`
command (deploy, demo, audit-verify…) builds the app with `create_app()` and fires no timers."""

from app import create_app
from app.scheduler import keep_month_partitions, start_scheduler

app = create_app()
keep_month_partitions(app)  # the months ahead, before this process takes requests
start_scheduler(app)
