"""Settings read from the environment, in one place."""

import os
from datetime import timedelta


class Config:
    def __init__(self, **overrides):
        env = os.environ
        self.DATABASE_URL = env.get("DATABASE_URL", "sqlite:///instance/assistance.sqlite3")
        self.DEMO = env.get("DEMO", "0") == "1"
        self.SECRET_KEY = env.get("SECRET_KEY") or ("demo-only-secret" if self.DEMO else None)
        self.SCHEDULER = env.get("SCHEDULER", "1") == "1"
        self.SCHEDULER_INTERVAL_SECONDS = float(env.get("SCHEDULER_INTERVAL_SECONDS", "1"))
        # the share of each poll the scheduler may spend firing overdue jobs; the rest is left to requests
        self.SCHEDULER_BUSY_SHARE = float(env.get("SCHEDULER_BUSY_SHARE", "0.5"))
        self.DEMO_PASSWORD = env.get("DEMO_PASSWORD", "demo123")
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(4 * 1024 * 1024)))
        self.LOG_FORMAT = env.get("LOG_FORMAT", "text")  # "json": one JSON object per line (make serve)
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO")
        # SpiffWorkflow logs every task state change at INFO: several records per step, which the case's event log
        # already says better; its warnings and errors still show
        self.ENGINE_LOG_LEVEL = env.get("ENGINE_LOG_LEVEL", "WARNING")
        self.LOGIN_MAX_FAILURES = int(env.get("LOGIN_MAX_FAILURES", "5"))  # per username and address ...
        self.LOGIN_WINDOW_SECONDS = int(env.get("LOGIN_WINDOW_SECONDS", "900"))  # ... within this window: 429
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=float(env.get("SESSION_HOURS", "8")))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)
        if "SESSION_COOKIE_SECURE" not in overrides:  # production mode: the session cookie travels over HTTPS only
            self.SESSION_COOKIE_SECURE = env.get("SESSION_COOKIE_SECURE", "0" if self.DEMO else "1") == "1"
        if not self.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set outside demo mode (DEMO=1)")
