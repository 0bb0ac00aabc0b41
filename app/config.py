"""Settings read from the environment, in one place."""

import os


class Config:
    def __init__(self, **overrides):
        env = os.environ
        self.DATABASE_URL = env.get("DATABASE_URL", "sqlite:///instance/assistance.sqlite3")
        self.DEMO = env.get("DEMO", "0") == "1"
        self.SECRET_KEY = env.get("SECRET_KEY") or ("demo-only-secret" if self.DEMO else None)
        self.SCHEDULER = env.get("SCHEDULER", "1") == "1"
        self.SCHEDULER_INTERVAL_SECONDS = float(env.get("SCHEDULER_INTERVAL_SECONDS", "1"))
        self.DEMO_PASSWORD = env.get("DEMO_PASSWORD", "demo123")
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(4 * 1024 * 1024)))
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)
        if not self.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set outside demo mode (DEMO=1)")
