"""Many 低保 cases in parallel through the REST API, worked the way offices work: each role has
several desks sharing its inbox; a desk takes a page of 50 and completes the tasks that are its
share (by task id, so two desks never race for one task); counts user-task completions per second."""

import base64
import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from app.domain.clock import CHINA_TZ
from app.domain.id_number import check_digit

from .dibao_path import STEPS

PAGE = 50
FEW, REST = 5, 0.3  # a desk that found fewer than FEW tasks of its own looks again after REST seconds


def typed(values: dict) -> dict:
    kinds = {bool: "Boolean", int: "Integer", float: "Double"}
    return {k: {"value": v, "type": kinds.get(type(v), "String")} for k, v in values.items()}


def next_month() -> str:
    today = datetime.now(CHINA_TZ)
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


def applicant_id() -> str:
    """A valid 身份证号码 of a new applicant."""
    first = f"{random.randrange(110101, 659999)}{random.randrange(1950, 2000)}{random.randrange(1, 13):02d}" \
            f"{random.randrange(1, 29):02d}{random.randrange(1000):03d}"
    return first + check_digit(first)


def basic_auth(user: str) -> dict:
    """The header a demo user signs in with."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:demo123".encode()).decode()}


@dataclass
class Reply:
    method: str
    url: str
    status_code: int
    text: str

    def json(self):
        return json.loads(self.text)


class Desk:
    """One desk's HTTP client: a connection per request, so every idle worker can take the next one (a kept-alive
    connection stays with the worker that accepted it, and a few desks' connections can all land on one worker).
    Plain http.client: the load generator shares the cores with the service, and `requests` costs it about
    a millisecond per request more."""

    def __init__(self, base: str, user: str, tally: "Tally"):
        self.tally = tally
        parts = urlsplit(base)
        self.host, self.port, self.prefix = parts.hostname, parts.port, parts.path
        self.headers = {**basic_auth(user), "Connection": "close", "Accept": "application/json"}

    def get(self, path: str, params: dict | None = None) -> Reply:
        return self._send("GET", path + ("?" + urlencode(params) if params else ""), None)

    def post(self, path: str, payload: dict | None = None) -> Reply:
        return self._send("POST", path, payload)

    def _send(self, method: str, path: str, payload: dict | None) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            headers = dict(self.headers)
            body = None
            if payload is not None:
                body = json.dumps(payload).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, self.prefix + path, body, headers)
            response = conn.getresponse()
            self.tally.add("reads" if method == "GET" else "commands")
            return Reply(method, path, response.status, response.read().decode())
        finally:
            conn.close()


@dataclass
class Tally:
    """Timestamps of user-task completions, cases started and finished, requests sent (commands and inbox or job
    list reads) and failed requests."""

    completions: list[float] = field(default_factory=list)
    commands: int = 0
    reads: int = 0
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

    def threads(self) -> list[threading.Thread]:
        loops = [(self.window,), (self.verifier,), (self.publicity,)]
        loops += [(self.user_task, user, activity) for activity, user, _ in STEPS[1:]
                  if activity not in ("verify", "publicity")]
        return [threading.Thread(target=self._guard, args=(*loop, desk), daemon=True)
                for loop in loops for desk in range(self.desks)]

    def rest(self, found: int) -> None:
        """An inbox that is almost empty is not refreshed twenty times a second; each refresh costs the service
        a query and a page, which a desk finding one task at a time would pay for every completion."""
        if found < FEW:
            self.stop.wait(REST)

    def _guard(self, loop, *args) -> None:
        try:
            loop(*args)
        except Exception as err:  # a broken worker is reported in the table, not hidden
            self.tally.errors.append(f"{loop.__name__}: {err!r}")

    def _check(self, response: Reply) -> bool:
        if response.status_code == 409:  # home_visit and verify of one case at once: one wins, the other retries
            self.tally.add("conflicts")
            return False
        if response.status_code >= 400:
            self.tally.errors.append(f"{response.method} {response.url} {response.status_code} "
                                     f"{response.text[:200]}")
            return False
        return True

    def window(self, desk: int) -> None:
        s = Desk(self.base, "window_cg", self.tally)
        while not self.stop.is_set():
            room = (self.in_flight - (self.tally.started - self.tally.finished)) // self.desks
            opened = min(max(room, 0), 10)
            for _ in range(opened):
                body = {"businessKey": f"BENCH-{uuid.uuid4().hex[:12]}"}
                if self._check(s.post("/process-definition/key/dibao/start", payload=body)):
                    self.tally.add("started")
            self.rest(opened + self.user_task_page(s, "accept", desk))

    def user_task(self, user: str, activity: str, desk: int) -> None:
        s = Desk(self.base, user, self.tally)
        while not self.stop.is_set():
            self.rest(self.user_task_page(s, activity, desk))

    def user_task_page(self, s: Desk, activity: str, desk: int) -> int:
        tasks = self.mine(s.get("/task", params={
            "processDefinitionKey": "dibao", "taskDefinitionKey": activity, "maxResults": PAGE}).json(), desk)
        for task in tasks:
            if self.stop.is_set():
                break
            if self._check(s.post(f"/task/{task['id']}/complete", payload={"variables": typed(self.values(activity))})):
                self.tally.add("completion")
                if activity == "payment":
                    self.tally.add("finished")
        return len(tasks)

    def values(self, activity: str) -> dict:
        """A step's form data; each application its own household (one applicant per page would find the page's
        first application running under the same 身份证号码, 一户一档, and be refused)."""
        if activity == "accept":
            return {**self.variables[activity], "id_number": applicant_id(), "household_confirmed": False}
        if activity == "payment":
            return {"first_payment_month": next_month()}
        return self.variables[activity]

    def verifier(self, desk: int) -> None:  # fetchAndLock gives each desk its own tasks
        s = Desk(self.base, "verifier", self.tally)
        topics = [{"topicName": "household-verification", "lockDuration": 600000}]
        while not self.stop.is_set():
            locked = s.post("/external-task/fetchAndLock",
                            payload={"workerId": "bench", "maxTasks": PAGE, "topics": topics}).json()
            for task in locked:
                self._check(s.post(f"/external-task/{task['id']}/complete",
                                   payload={"workerId": "bench", "variables": typed(self.variables["verify"])}))
            self.rest(len(locked))

    def publicity(self, desk: int) -> None:
        s = Desk(self.base, "supervisor", self.tally)
        while not self.stop.is_set():
            jobs = self.mine(s.get("/job", params={"activityId": "publicity", "maxResults": PAGE}).json(),
                             desk)
            for job in jobs:
                self._check(s.post(f"/job/{job['id']}/execute"))
            self.rest(len(jobs))


def run(base: str, seconds: float, warmup: float, in_flight: int = 300, desks: int = 3, meter=None,
        warmed=None) -> dict:
    """Work cases for `warmup + seconds`; return user-task completions per second after the warm-up, and with a
    `meter` (bench/cpu.py) the CPU each party spent per completion over the same window; `warmed()` is called at
    the end of the warm-up (the bench renews the database's statistics there)."""
    tally, stop = Tally(), threading.Event()
    workers = Office(base, tally, in_flight, stop, desks).threads()
    for w in workers:
        w.start()
    begin = time.monotonic()
    time.sleep(warmup)
    if warmed:
        warmed()
        warmup = time.monotonic() - begin
    if meter:
        meter.start()
    time.sleep(seconds)
    cpu = meter.stop() if meter else {}
    stop.set()
    for w in workers:
        w.join(timeout=30)
    window = [t for t in tally.completions if begin + warmup <= t <= begin + warmup + seconds]
    per_completion = {k.replace("_cpu_s", "_ms_per_completion"): round(1000 * v / max(1, len(window)), 1)
                      for k, v in cpu.items()}
    done = max(1, len(tally.completions))
    return {"completions_per_second": round(len(window) / seconds, 1), "completions": len(tally.completions),
            "commands_per_completion": round(tally.commands / done, 2),
            "reads_per_completion": round(tally.reads / done, 2),
            "cases_started": tally.started, "cases_finished": tally.finished, "conflicts": tally.conflicts,
            **cpu, **per_completion, "errors": tally.errors[:5], "error_count": len(tally.errors)}
