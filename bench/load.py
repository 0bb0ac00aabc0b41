"""Many 低保 cases in parallel through the REST API, worked the way offices work: each role has
several desks sharing its inbox; a desk takes a page of 50 and completes the tasks that are its
share (by task id, so two desks never race for one task); counts user-task completions per second."""

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import requests

from app.domain.clock import CHINA_TZ

from .dibao_path import STEPS

PAGE = 50


def typed(values: dict) -> dict:
    kinds = {bool: "Boolean", int: "Integer", float: "Double"}
    return {k: {"value": v, "type": kinds.get(type(v), "String")} for k, v in values.items()}


def next_month() -> str:
    today = datetime.now(CHINA_TZ)
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


@dataclass
class Tally:
    """Timestamps of user-task completions, cases started and finished, and failed requests."""

    completions: list[float] = field(default_factory=list)
    started: int = 0
    conflicts: int = 0
    finished: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, n: int = 1) -> None:
        with self.lock:
            if kind == "completion":
                self.completions.append(time.monotonic())
            else:
                setattr(self, kind, getattr(self, kind) + n)


class Office:
    """`desks` threads per role, as long as `stop` is not set."""

    def __init__(self, base: str, tally: Tally, in_flight: int, stop: threading.Event, desks: int):
        self.base, self.tally, self.in_flight, self.stop = base + "/engine-rest", tally, in_flight, stop
        self.desks = desks
        self.variables = {activity: values for activity, _, values in STEPS}

    def mine(self, items: list[dict], desk: int) -> list[dict]:
        return [item for item in items if int(item["id"][:8], 16) % self.desks == desk]

    def session(self, user: str) -> requests.Session:
        s = requests.Session()
        s.auth = (user, "demo123")
        # a kept-alive connection stays with the worker that accepted it, and a few desks' connections can
        # all land on one worker; a connection per request lets every idle worker take the next one
        s.headers["Connection"] = "close"
        return s

    def threads(self) -> list[threading.Thread]:
        loops = [(self.window,), (self.verifier,), (self.publicity,)]
        loops += [(self.user_task, user, activity) for activity, user, _ in STEPS[1:]
                  if activity not in ("verify", "publicity")]
        return [threading.Thread(target=self._guard, args=(*loop, desk), daemon=True)
                for loop in loops for desk in range(self.desks)]

    def _guard(self, loop, *args) -> None:
        try:
            loop(*args)
        except Exception as err:  # a broken worker is reported in the table, not hidden
            self.tally.errors.append(f"{loop.__name__}: {err!r}")

    def _check(self, response: requests.Response) -> bool:
        if response.status_code == 409:  # home_visit and verify of one case at once: one wins, the other retries
            self.tally.add("conflicts")
            return False
        if response.status_code >= 400:
            self.tally.errors.append(f"{response.request.method} {response.url} {response.status_code} "
                                     f"{response.text[:200]}")
            return False
        return True

    def window(self, desk: int) -> None:
        s = self.session("window_cg")
        while not self.stop.is_set():
            room = (self.in_flight - (self.tally.started - self.tally.finished)) // self.desks
            for _ in range(min(max(room, 0), 10)):
                body = {"businessKey": f"BENCH-{uuid.uuid4().hex[:12]}"}
                if self._check(s.post(f"{self.base}/process-definition/key/dibao/start", json=body)):
                    self.tally.add("started")
            self.user_task_page(s, "accept", desk)

    def user_task(self, user: str, activity: str, desk: int) -> None:
        s = self.session(user)
        while not self.stop.is_set():
            if not self.user_task_page(s, activity, desk):
                time.sleep(0.05)

    def user_task_page(self, s: requests.Session, activity: str, desk: int) -> int:
        tasks = self.mine(s.get(f"{self.base}/task", params={
            "processDefinitionKey": "dibao", "taskDefinitionKey": activity, "maxResults": PAGE}).json(), desk)
        values = self.variables[activity]
        if activity == "payment":
            values = {"first_payment_month": next_month()}
        for task in tasks:
            if self.stop.is_set():
                break
            if self._check(s.post(f"{self.base}/task/{task['id']}/complete", json={"variables": typed(values)})):
                self.tally.add("completion")
                if activity == "payment":
                    self.tally.add("finished")
        return len(tasks)

    def verifier(self, desk: int) -> None:  # fetchAndLock gives each desk its own tasks
        s = self.session("verifier")
        topics = [{"topicName": "household-verification", "lockDuration": 600000}]
        while not self.stop.is_set():
            locked = s.post(f"{self.base}/external-task/fetchAndLock",
                            json={"workerId": "bench", "maxTasks": PAGE, "topics": topics}).json()
            for task in locked:
                self._check(s.post(f"{self.base}/external-task/{task['id']}/complete",
                                   json={"workerId": "bench", "variables": typed(self.variables["verify"])}))
            if not locked:
                time.sleep(0.05)

    def publicity(self, desk: int) -> None:
        s = self.session("supervisor")
        while not self.stop.is_set():
            jobs = self.mine(s.get(f"{self.base}/job", params={"activityId": "publicity", "maxResults": PAGE}).json(),
                             desk)
            for job in jobs:
                self._check(s.post(f"{self.base}/job/{job['id']}/execute"))
            if not jobs:
                time.sleep(0.05)


def run(base: str, seconds: float, warmup: float, in_flight: int = 300, desks: int = 3) -> dict:
    """Work cases for `warmup + seconds`; return user-task completions per second after the warm-up."""
    tally, stop = Tally(), threading.Event()
    workers = Office(base, tally, in_flight, stop, desks).threads()
    for w in workers:
        w.start()
    begin = time.monotonic()
    time.sleep(warmup + seconds)
    stop.set()
    for w in workers:
        w.join(timeout=30)
    window = [t for t in tally.completions if t >= begin + warmup]
    return {"completions_per_second": round(len(window) / seconds, 1), "completions": len(tally.completions),
            "cases_started": tally.started, "cases_finished": tally.finished, "conflicts": tally.conflicts,
            "errors": tally.errors[:5],
            "error_count": len(tally.errors)}
