"""Settings read from the environment, in one place."""

import hashlib
import ipaddress
import os
from datetime import timedelta
from pathlib import Path

# the service's own files (the SQLite database, archives), beside app/ whatever directory it is started in (cron)
INSTANCE = Path(__file__).resolve().parent.parent / "instance"
DEMO_SECRET_KEY = "demo-only-secret"  # public: signs sessions only in demo mode, which serves only this machine


def is_loopback(host: str | None) -> bool:
    """Return whether `host` (a name or an address) stays on this machine."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def retired_keys(listed: str) -> tuple[str, ...]:
    """The retired audit keys of AUDIT_KEYS_RETIRED: comma-separated, spaces around each ignored, none empty."""
    keys = tuple(key.strip() for key in listed.split(",")) if listed.strip() else ()
    if "" in keys:
        raise RuntimeError("AUDIT_KEYS_RETIRED: an empty key in the list (two commas, or one at an end)")
    return keys


class Config:
    def __init__(self, **overrides):
        env = os.environ
        self.DATABASE_URL = env.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'assistance.sqlite3'}")
        self.DEMO = env.get("DEMO", "0") == "1"
        self.SECRET_KEY = env.get("SECRET_KEY") or (DEMO_SECRET_KEY if self.DEMO else None)
        # signs audit checkpoints and history archives (HMAC-SHA256); unset, a key derived from SECRET_KEY
        self.AUDIT_KEY = env.get("AUDIT_KEY")
        # keys AUDIT_KEY replaced (comma-separated): what they signed still holds until the night signs it again
        self.AUDIT_KEYS_RETIRED = retired_keys(env.get("AUDIT_KEYS_RETIRED", ""))
        # where flask history-cleanup writes the signed archives of the cases it removes
        self.HISTORY_ARCHIVE_DIR = env.get("HISTORY_ARCHIVE_DIR", str(INSTANCE / "archive"))
        self.HOST = env.get("HOST") or env.get("FLASK_RUN_HOST") or "127.0.0.1"  # where gunicorn / flask run listen
        self.SCHEDULER = env.get("SCHEDULER", "1") == "1"
        self.SCHEDULER_INTERVAL_SECONDS = float(env.get("SCHEDULER_INTERVAL_SECONDS", "1"))
        # the share of each poll the scheduler may spend firing overdue jobs; the rest is left to requests
        self.SCHEDULER_BUSY_SHARE = float(env.get("SCHEDULER_BUSY_SHARE", "0.5"))
        self.DEMO_PASSWORD = env.get("DEMO_PASSWORD", "demo123")
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(4 * 1024 * 1024)))
        # the largest attachment (a photo, a scanned document); its request may exceed MAX_CONTENT_LENGTH by this much
        self.ATTACHMENT_MAX_BYTES = int(env.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
        self.LOG_FORMAT = env.get("LOG_FORMAT", "text")  # "json": one JSON object per line (make serve)
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO")
        # SpiffWorkflow logs every task state change at INFO: several records per step, which the case's event log
        # already says better; its warnings and errors still show
        self.ENGINE_LOG_LEVEL = env.get("ENGINE_LOG_LEVEL", "WARNING")
        # waits are bounded: a request that cannot get its locks, or runs too long, answers 503 and changes nothing
        self.DB_LOCK_TIMEOUT_MS = int(env.get("DB_LOCK_TIMEOUT_MS", "2000"))
        self.DB_STATEMENT_TIMEOUT_MS = int(env.get("DB_STATEMENT_TIMEOUT_MS", "30000"))
        # a process that stalls inside a transaction loses it (and its locks) after this long
        self.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(env.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "15000"))
        self.READY_TIMEOUT_MS = int(env.get("READY_TIMEOUT_MS", "1000"))  # /ready's wait for the database
        # a command still running this long after the request arrived is not committed: its client has gone
        self.REQUEST_DEADLINE_SECONDS = float(env.get("REQUEST_DEADLINE_SECONDS", "50"))
        self.IDEMPOTENCY_KEY_HOURS = float(env.get("IDEMPOTENCY_KEY_HOURS", "24"))
        # the longest fetchAndLock wait (asyncResponseTimeout, ms) served; a longer one is refused, never shortened
        self.LONG_POLL_MAX_MS = int(env.get("LONG_POLL_MAX_MS", "1800000"))  # Camunda's own limit: 30 minutes
        # proxies in front whose X-Forwarded-For/-Proto are trusted (make serve: 1, the front)
        self.FORWARDED_HOPS = int(env.get("FORWARDED_HOPS", "0"))
        self.LOGIN_MAX_FAILURES = int(env.get("LOGIN_MAX_FAILURES", "5"))  # per username and address ...
        self.LOGIN_WINDOW_SECONDS = int(env.get("LOGIN_WINDOW_SECONDS", "900"))  # ... within this window: 429
        # a timer cycle may repeat no faster than this (R/PT0S would fire, and log, at every poll)
        self.TIMER_MIN_CYCLE_SECONDS = float(env.get("TIMER_MIN_CYCLE_SECONDS", "60"))
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=float(env.get("SESSION_HOURS", "8")))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # the embedded font of notice PDFs (Debian fonts-arphic-uming, installed by `make run` / `make test`)
        self.NOTICE_FONT = env.get("NOTICE_FONT", "/usr/share/fonts/truetype/arphic/uming.ttc")
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)
        if "SESSION_COOKIE_SECURE" not in overrides:  # production mode: the session cookie travels over HTTPS only
            self.SESSION_COOKIE_SECURE = env.get("SESSION_COOKIE_SECURE", "0" if self.DEMO else "1") == "1"
        self._refuse_unsafe_demo()
        if not self.AUDIT_KEY and self.SECRET_KEY:
            self.AUDIT_KEY = hashlib.sha256(f"audit-checkpoint:{self.SECRET_KEY}".encode()).hexdigest()

    def _refuse_unsafe_demo(self) -> None:
        """Refuse to start where the public demo password or secret key would be reachable from elsewhere."""
        if not self.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set outside demo mode (DEMO=1)")
        if self.SECRET_KEY == DEMO_SECRET_KEY and not self.DEMO:
            raise RuntimeError("the demo SECRET_KEY is public: set a secret of your own outside demo mode (DEMO=1)")
        if self.DEMO and not is_loopback(self.HOST):
            raise RuntimeError(f"demo mode (DEMO=1) serves only this machine: HOST={self.HOST} is not a loopback "
                               "address; its users' password is public")
