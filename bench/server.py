"""The production server (gunicorn, one worker per core, as `make serve` runs it) for the harness."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).parent.parent


class Server:
    """gunicorn on `port`, with the scheduler in every worker polling each `interval` seconds."""

    def __init__(self, url: str, port: int | None = None, scheduler: bool = False, interval: float = 1.0):
        port = port or _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
        self.env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "DEMO": "1",
                    "SCHEDULER": "1" if scheduler else "0", "SCHEDULER_INTERVAL_SECONDS": str(interval),
                    "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        gunicorn = str(Path(os.sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen([gunicorn, "app.wsgi:app"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            if self._ready():
                return self
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not become ready on {self.base}")

    def _ready(self) -> bool:
        try:
            return requests.get(self.base + "/ready", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or still importing
            return False

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process, in MB."""
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
