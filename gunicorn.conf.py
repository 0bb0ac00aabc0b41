"""gunicorn settings for `make serve` (production mode), read from the environment."""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS") or multiprocessing.cpu_count())  # one process per core
# two threads per process: while one request waits on PostgreSQL (a commit's WAL flush), the other runs;
# more threads only fight over the interpreter lock (the bench served 20-30% fewer completions with 4)
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "2"))
timeout = int(os.environ.get("WORKER_TIMEOUT", "60"))
backlog = 2048
accesslog = None  # the app logs each request itself (LOG_FORMAT=json)
control_socket_disable = True  # one shared path per user (~/.gunicorn): instances side by side would collide
if os.environ.get("LOG_FORMAT") == "json":  # gunicorn's own lines (workers started, killed, timed out) as JSON too
    logconfig_dict = {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
        "root": {"level": "INFO", "handlers": []},  # the app adds its own (app/logs.py)
    }


def post_worker_init(worker):
    """Once the worker has loaded the app, keep the collector off what lives as long as the process.

    A command allocates thousands of linked objects (the restored workflow's task tree), so with the
    default threshold (700) the collector ran about once per completion, and its full passes walked every
    module and mapping loaded at start: 0.50 ms of a worker's CPU per completion under the bench's load.
    With start-up's objects frozen and the young collected every 10,000 new objects: 0.19 ms.
    """
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the Prometheus multiprocess directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
