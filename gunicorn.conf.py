"""gunicorn settings for `make serve` (production mode), read from the environment."""

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


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the Prometheus multiprocess directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
