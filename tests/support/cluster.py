"""Several service nodes on one PostgreSQL behind one HAProxy front, as a province runs them.

Each node is what `make serve` starts behind its front: gunicorn (`app.wsgi:app`, with the timer scheduler)
on a loopback port of its own; the front is `front/serve.sh --front-only` with the nodes as its UPSTREAMS, so
the balancer is configured exactly as in production (front/haproxy.cfg.in). A node is killed as a machine
dies: SIGKILL to its whole process group, mid-request or not.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).parent.parent.parent
BIN = Path(os.sys.executable).parent


def free_ports(count: int) -> list[int]:
    """`count` loopback ports: from CLUSTER_PORT_BASE on when it is set (a range of one's own), else the system's."""
    base = os.environ.get("CLUSTER_PORT_BASE")
    if base:
        return [int(base) + n for n in range(count)]
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


class Node:
    def __init__(self, name: str, port: int, env: dict, log_dir: Path):
        self.name, self.port, self.env = name, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        env = {**self.env, "PORT": str(self.port)}
        with self.log.open("a") as log:
            self.process = subprocess.Popen([str(BIN / "gunicorn"), "app.wsgi:app"], cwd=ROOT, env=env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def ready(self) -> bool:
        return _answers(self.url + "/ready")

    def wait_ready(self, seconds: float = 90) -> None:
        _wait_until(self.ready, seconds, f"node {self.name}")

    def kill(self) -> None:
        """Die as a machine does: no request finishes, no transaction commits after this."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Cluster:
    """`count` nodes and the front; `with Cluster(url, tmp_path) as cluster: cluster.front_url …`."""

    def __init__(self, database_url: str, log_dir: Path, count: int = 3):
        ports = free_ports(count + 1)
        self.front_port, node_ports = ports[0], ports[1:]
        self.log_dir = log_dir
        self.upstreams = " ".join(f"127.0.0.1:{p}" for p in node_ports)
        base = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "cluster-test-secret", "DEMO": "0",
                "HOST": "127.0.0.1", "WORKERS": "1", "FORWARDED_HOPS": "1", "SCHEDULER": "1",
                "SCHEDULER_INTERVAL_SECONDS": "0.5", "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING",
                "UPSTREAMS": self.upstreams, "PORT": str(self.front_port)}
        base.pop("PROMETHEUS_MULTIPROC_DIR", None)
        threads = subprocess.run([str(BIN / "python"), "front/render.py", "--threads"], cwd=ROOT, env=base,
                                 capture_output=True, text=True, check=True).stdout.strip()
        self.env = {**base, "THREADS": threads}
        self.nodes = [Node(f"node{n}", port, self.env, log_dir) for n, port in enumerate(node_ports, start=1)]
        self.front: subprocess.Popen | None = None
        self.front_url = f"http://127.0.0.1:{self.front_port}"

    def __enter__(self) -> "Cluster":
        try:
            for node in self.nodes:
                node.start()
            with (self.log_dir / "front.log").open("a") as log:
                self.front = subprocess.Popen(["bash", "front/serve.sh", "--front-only"], cwd=ROOT, env=self.env,
                                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            for node in self.nodes:
                node.wait_ready()
            _wait_until(lambda: _answers(self.front_url + "/ready"), 30, "the front")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for node in self.nodes:
            node.stop()
        if self.front and self.front.poll() is None:
            os.killpg(self.front.pid, signal.SIGTERM)
            self.front.wait(timeout=20)
