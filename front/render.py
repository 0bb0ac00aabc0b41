"""Write the front's HAProxy configuration (front/haproxy.cfg.in) for the upstreams and limits in the environment.

    UPSTREAMS="10.0.0.1:5001 10.0.0.2:5001" FRONT_BIND=:80 python front/render.py > haproxy.cfg
    python front/render.py --threads    # request threads each upstream process needs (gunicorn THREADS)

Each upstream (a gunicorn, one per machine) gets SLOTS_* requests of each kind at once; the rest wait in the
front's queue of their kind. A gunicorn worker may be handed all of an upstream's slots at once, so it runs as
many threads as they add up to (and one for the front's health check): then no request ever waits inside the
service behind another.
"""

import os
import sys
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
SLOTS = {"COMMANDS": 3, "READS": 2, "PROBES": 1, "LONG_POLLS": 2}
DEFAULTS = {
    "FRONT_THREADS": "1", "FRONT_MAXCONN": "4096", "FRONT_BUFFER_BYTES": "65536",
    "FRONT_HEADER_TIMEOUT": "10s", "FRONT_CLIENT_TIMEOUT": "30s", "FRONT_KEEPALIVE_TIMEOUT": "75s",
    "FRONT_QUEUE_TIMEOUT": "10s", "FRONT_SERVER_TIMEOUT": "60s", "FRONT_LONG_POLL_TIMEOUT": "31m",
    "FRONT_MAX_BODY_BYTES": str(4 * 1024 * 1024),
}


def slots() -> dict[str, int]:
    return {kind: int(os.environ.get(f"SLOTS_{kind}", default)) for kind, default in SLOTS.items()}


def upstreams() -> list[str]:
    port = int(os.environ.get("PORT", "5000"))
    listed = os.environ.get("UPSTREAMS") or f"127.0.0.1:{os.environ.get('APP_PORT', port + 1)}"
    return listed.replace(",", " ").split()


def servers(kind: str, count: int) -> str:
    """One server line per upstream. Of several, the commands backend checks each (/ready: the process answers, its
    database answers, and it hears the other processes' changes) and the reads and long polls follow its verdict, so
    a machine that is gone, or that serves from caches it can no longer keep fresh, gets no requests; a lone upstream
    is never marked down."""
    listed = upstreams()
    checked = len(listed) > 1 and kind != "PROBES"
    lines = ["    balance leastconn"] + (["    option httpchk GET /ready"] if checked and kind == "COMMANDS" else [])
    for n, address in enumerate(listed, start=1):
        health = ("check inter 2s fall 2 rise 1" if kind == "COMMANDS" else f"track commands/app{n}") if checked else ""
        lines.append(f"    server app{n} {address} maxconn {count} {health}".rstrip())
    return "\n".join(lines)


def threads() -> int:
    """Request threads per service process: every slot, and one for the front's health check."""
    return sum(slots().values()) + (1 if len(upstreams()) > 1 else 0)


def render() -> str:
    values = {key: os.environ.get(key, default) for key, default in DEFAULTS.items()}
    values["FRONT_BIND"] = os.environ.get("FRONT_BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
    values["FRONT_DIR"] = str(HERE)
    values.update({f"SERVERS_{kind}": servers(kind, count) for kind, count in slots().items()})
    return Template((HERE / "haproxy.cfg.in").read_text()).substitute(values)


if __name__ == "__main__":
    print(threads() if sys.argv[1:] == ["--threads"] else render())
