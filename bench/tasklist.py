"""The 低保 path worked the way a Camunda client works it (pycamunda, Camunda's Tasklist): each client thread is a
user with a `requests.Session` and HTTP Basic credentials; for every task it completes it sends three requests,
each authenticated: the list of tasks offered to its group (`GET /task?candidateGroup=…`, a page of 15 sorted by
creation), a claim of one of them (`POST /task/{id}/claim`) and the completion with the form's variables
(`POST /task/{id}/complete`). A claim that loses to another client's (409) costs its list and claim and the client
lists again. The cases are started, matched and their publicity timers fired beside the clients, by the desks'
machinery (bench/load.py), and counted apart.

    python -m bench.tasklist   # this workload alone: floor, fresh database, statements per request, the load
"""

import os
import random
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .dibao_path import STEPS
from .load import Desk, Tally, applicant_id, next_month, typed

PAGE = 15  # Tasklist's page
PASSWORD = "demo123"
EMPTY_REST = 0.2  # a client that found nothing offered looks again after this long
# the user tasks, each with its group (the client filters on its own group, as Tasklist's "candidate tasks")
ROLES = {"accept": "window", "home_visit": "investigator", "township_review": "township_reviewer",
         "county_review": "county_reviewer", "payment": "finance"}
BASE_USERS = {activity: user for activity, user, _ in STEPS if activity in ROLES}
KINDS = ("list", "claim", "complete")
CLIENTS = int(os.environ.get("TASKLIST_CLIENTS", "16"))  # the range: 8 to 24


def client_user(activity: str, index: int) -> str:
    return f"{BASE_USERS[activity]}_tl{index}"


def assignment(clients: int) -> list[tuple[str, int]]:
    """The clients' activities, round robin over the five user tasks: (activity, index within it)."""
    activities = list(ROLES)
    seen: dict[str, int] = {}
    out = []
    for n in range(clients):
        activity = activities[n % len(activities)]
        out.append((activity, seen.setdefault(activity, 0)))
        seen[activity] += 1
    return out


def add_users(app, clients: int) -> None:
    """One user per client thread, in the unit and groups of the demo user who does that task (a claim is a
    user's: two threads of one user would both hold the task they claimed)."""
    from app.store.tables import User

    rt = app.extensions["runtime"]
    hashed = generate_password_hash(PASSWORD)
    with rt.unit_of_work() as uow:
        session = uow.session
        known = set(session.scalars(select(User.username)))
        bases = {u.username: u for u in session.scalars(select(User).where(User.username.in_(BASE_USERS.values())))}
        for activity, index in assignment(clients):
            name = client_user(activity, index)
            if name not in known:
                base = bases[BASE_USERS[activity]]
                session.add(User(username=name, display_name=f"{base.display_name}{index}", password_hash=hashed,
                                 org_path=base.org_path, groups=list(base.groups)))
        uow.commit()


@dataclass
class Counts:
    """The clients' requests by kind, their completions' times, lost claims and empty lists."""

    completions: list[float] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    lost_claims: int = 0
    empty_lists: int = 0
    conflicts: int = 0  # completions sent again after a 409 (the case changed by another step at the same time)
    paid: int = 0  # cases whose last user task (发放) was completed
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, kind: str) -> None:
        with self.lock:
            self.requests[kind] += 1


class Client:
    """One Tasklist user: list, claim one, complete it; again."""

    def __init__(self, base: str, activity: str, index: int, counts: Counts, stop: threading.Event):
        self.base, self.activity, self.counts, self.stop = base + "/engine-rest", activity, counts, stop
        self.user = client_user(activity, index)
        self.session = requests.Session()
        self.session.auth = (self.user, PASSWORD)
        self.session.headers["Accept"] = "application/json"
        self.query = {"candidateGroup": ROLES[activity], "processDefinitionKey": "dibao",
                      "taskDefinitionKey": activity, "sortBy": "created", "sortOrder": "asc",
                      "firstResult": 0, "maxResults": PAGE}
        self.values = next(values for a, _, values in STEPS if a == activity)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.one()
        except Exception as err:  # a broken client is reported in the table, not hidden
            self.counts.errors.append(f"{self.user}: {err!r}")
        finally:
            self.session.close()

    def _failed(self, response: requests.Response) -> bool:
        if response.status_code >= 400:
            self.counts.errors.append(f"{response.request.method} {response.url} {response.status_code} "
                                      f"{response.text[:200]}")
            return True
        return False

    def one(self) -> None:
        listed = self.session.get(self.base + "/task", params=self.query, timeout=60)
        self.counts.sent("list")
        if self._failed(listed):
            return
        tasks = listed.json()
        if not tasks:
            self.counts.empty_lists += 1
            self.stop.wait(EMPTY_REST)
            return
        task = random.choice(tasks)  # clients of one group share its list: each takes one at random
        claimed = self.session.post(f"{self.base}/task/{task['id']}/claim", json={"userId": self.user}, timeout=60)
        self.counts.sent("claim")
        if claimed.status_code in (404, 409):  # another client claimed it first, or has completed it since
            with self.counts.lock:
                self.counts.lost_claims += 1
            return
        if self._failed(claimed):
            return
        for _ in range(5):  # 入户调查 and 信息核对 of one case finishing at once: one wins, the other sends again
            done = self.session.post(f"{self.base}/task/{task['id']}/complete",
                                     json={"variables": typed(self._values())}, timeout=60)
            self.counts.sent("complete")
            if done.status_code != 409:
                break
            with self.counts.lock:
                self.counts.conflicts += 1
        if not self._failed(done):
            with self.counts.lock:
                self.counts.completions.append(time.monotonic())
                self.counts.paid += self.activity == "payment"

    def _values(self) -> dict:
        if self.activity == "accept":  # each application its own household (一户一档), as the desks' are
            return {**self.values, "id_number": applicant_id(), "household_confirmed": False}
        if self.activity == "payment":
            return {"first_payment_month": next_month()}
        return self.values


class Feeder:
    """What keeps the clients' lists full, outside their count: the window starts cases up to `in_flight` open,
    the data-matching system completes its external tasks, the supervisor fires the publicity timers."""

    def __init__(self, base: str, counts: Counts, stop: threading.Event, in_flight: int):
        self.base, self.counts, self.stop, self.in_flight = base + "/engine-rest", counts, stop, in_flight
        self.tally = Tally()  # the feeder's own requests
        self.started = 0
        self.filling = True  # the prefill's starters stop once it is done

    def threads(self) -> list[threading.Thread]:
        """Three windows starting cases (one alone, waiting its turn behind the clients' requests, left their lists
        empty), the matching system, the supervisor."""
        return [threading.Thread(target=self._guard, args=(loop,), daemon=True)
                for loop in (self.starter, self.starter, self.starter, self.verifier, self.publicity)]

    def prefill(self) -> None:
        """Start `in_flight` cases before the clients begin, four at a time."""
        threads = [threading.Thread(target=self._guard, args=(self.starter,), daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        while self.started < self.in_flight and any(t.is_alive() for t in threads):
            time.sleep(0.2)
        self.filling = False
        for t in threads:
            t.join()

    def _guard(self, loop) -> None:
        try:
            loop()
        except Exception as err:
            self.counts.errors.append(f"{loop.__name__}: {err!r}")

    def starter(self) -> None:
        desk = Desk(self.base, "window_cg", self.tally)
        prefilling = self.filling
        while not self.stop.is_set() and self.filling == prefilling:
            opened = 0
            while self.started - self.counts.paid < self.in_flight and opened < 20 and not self.stop.is_set():
                reply = desk.post("/process-definition/key/dibao/start",
                                  payload={"businessKey": f"TL-{uuid.uuid4().hex[:12]}"})
                if reply.status_code >= 400:
                    self.counts.errors.append(f"start {reply.status_code} {reply.text[:200]}")
                    break
                with self.counts.lock:
                    self.started += 1
                opened += 1
            if opened < 5:
                self.stop.wait(0.3)

    def verifier(self) -> None:
        desk = Desk(self.base, "verifier", self.tally)
        topics = [{"topicName": "household-verification", "lockDuration": 600000}]
        values = next(values for a, _, values in STEPS if a == "verify")
        while not self.stop.is_set():
            locked = desk.post("/external-task/fetchAndLock",
                               payload={"workerId": "tasklist-bench", "maxTasks": 50, "topics": topics}).json()
            for task in locked:
                desk.post(f"/external-task/{task['id']}/complete",
                          payload={"workerId": "tasklist-bench", "variables": typed(values)})
            if len(locked) < 5:
                self.stop.wait(0.3)

    def publicity(self) -> None:
        desk = Desk(self.base, "supervisor", self.tally)
        while not self.stop.is_set():
            jobs = desk.get("/job", params={"activityId": "publicity", "maxResults": 50}).json()
            for job in jobs:
                desk.post(f"/job/{job['id']}/execute")
            if len(jobs) < 5:
                self.stop.wait(0.3)


def run(base: str, seconds: float, warmup: float, clients: int = 16, in_flight: int = 200, meter=None,
        endpoint_meter=None, warmed=None) -> dict:
    """Drive `clients` Tasklist clients for `warmup + seconds`; return completions per second after the warm-up,
    the requests per completion, and with `meter` (bench/cpu.py) the CPU each party spent per completion, with
    `endpoint_meter` the workers' CPU per request of each kind."""
    counts, stop = Counts(), threading.Event()
    feeder = Feeder(base, counts, stop, in_flight)
    users = [Client(base, activity, index, counts, stop) for activity, index in assignment(clients)]
    feeder.prefill()
    threads = feeder.threads() + [threading.Thread(target=c.run, daemon=True) for c in users]
    for t in threads:
        t.start()
    begin = time.monotonic()
    time.sleep(warmup)
    if warmed:  # the bench renews the database's statistics here
        warmed()
        warmup = time.monotonic() - begin
    load_before = os.getloadavg()[0]
    with counts.lock:
        sent_before = dict(counts.requests)
        lost_before = counts.lost_claims
    if meter:
        meter.start()
    if endpoint_meter:
        endpoint_meter.start()
    time.sleep(seconds)
    per_kind = endpoint_meter.stop() if endpoint_meter else {}
    cpu = meter.stop() if meter else {}
    machine_load = round((load_before + os.getloadavg()[0]) / 2, 1)
    with counts.lock:
        sent = {k: counts.requests[k] - sent_before[k] for k in KINDS}
        lost = counts.lost_claims - lost_before
    stop.set()
    for t in threads:
        t.join(timeout=30)
    window = [t for t in counts.completions if begin + warmup <= t <= begin + warmup + seconds]
    done = max(1, len(window))
    per_completion = {k.replace("_cpu_s", "_ms_per_completion"): round(1000 * v / done, 1) for k, v in cpu.items()}
    return {"clients": clients, "completions_per_second": round(len(window) / seconds, 1),
            "completions": len(window), "requests": sent,
            "requests_per_completion": round(sum(sent.values()) / done, 2), "lost_claims": lost,
            "conflicts": counts.conflicts,
            "empty_lists": counts.empty_lists, "feeder_requests": feeder.tally.commands + feeder.tally.reads,
            "cases_started": feeder.started, "load_average": machine_load, **cpu, **per_completion,
            "per_request": per_kind,
            "errors": counts.errors[:5], "error_count": len(counts.errors)}


class _Counted:
    """One 低保 case worked by Tasklist clients through Flask's test client, each client request's statements and
    commits counted by kind."""

    def __init__(self, app):
        from .statements import Counter

        self.counter, self.client = Counter(app.extensions["db_engine"]), app.test_client()
        self.samples: dict[str, list[tuple[int, int]]] = {kind: [] for kind in KINDS}

    def request(self, kind: str, keep: bool, method: str, path: str, user: str, **kw):
        from base64 import b64encode

        headers = {"Authorization": "Basic " + b64encode(f"{user}:{PASSWORD}".encode()).decode()}
        before = (self.counter.statements, self.counter.commits)
        self.counter.active = True
        try:
            response = self.client.open("/engine-rest" + path, method=method, headers=headers, **kw)
        finally:
            self.counter.active = False
        assert response.status_code < 300, (kind, response.status_code, response.get_data(as_text=True)[:300])
        if keep:
            self.samples[kind].append((self.counter.statements - before[0], self.counter.commits - before[1]))
        return response

    def feed(self, key: str, activity: str, values: dict) -> None:
        """The steps outside the clients: the data-matching system's and the publicity timer's."""
        if activity == "verify":
            topics = [{"topicName": "household-verification", "lockDuration": 60000, "businessKey": key}]
            locked = self.request("feed", False, "POST", "/external-task/fetchAndLock", "verifier",
                                  json={"workerId": "count", "maxTasks": 1, "topics": topics}).json
            self.request("feed", False, "POST", f"/external-task/{locked[0]['id']}/complete", "verifier",
                         json={"workerId": "count", "variables": typed(values)})
        else:
            case = self.request("feed", False, "GET", "/process-instance", "supervisor",
                                query_string={"businessKey": key}).json[0]
            job = self.request("feed", False, "GET", "/job", "supervisor",
                               query_string={"processInstanceId": case["id"], "activityId": "publicity"}).json[0]
            self.request("feed", False, "POST", f"/job/{job['id']}/execute", "supervisor")

    def case(self, keep: bool) -> None:
        key = f"TLCOUNT-{uuid.uuid4().hex[:10]}"
        self.request("feed", False, "POST", "/process-definition/key/dibao/start", "window_cg",
                     json={"businessKey": key})
        for activity, _, values in STEPS:
            if activity not in ROLES:
                self.feed(key, activity, values)
                continue
            user = client_user(activity, 0)
            query = {"candidateGroup": ROLES[activity], "processDefinitionKey": "dibao", "taskDefinitionKey": activity,
                     "processInstanceBusinessKey": key, "sortBy": "created", "sortOrder": "asc",
                     "firstResult": 0, "maxResults": PAGE}
            task = self.request("list", keep, "GET", "/task", user, query_string=query).json[0]
            self.request("claim", keep, "POST", f"/task/{task['id']}/claim", user, json={"userId": user})
            if activity == "accept":
                values = {**values, "id_number": applicant_id(), "household_confirmed": False}
            if activity == "payment":
                values = {"first_payment_month": next_month()}
            self.request("complete", keep, "POST", f"/task/{task['id']}/complete", user,
                         json={"variables": typed(values)})


def statements(app, cases: int = 5) -> dict:
    """SQL statements and commits of each kind of client request (list, claim, complete, each with its sign-in),
    counted through the Flask stack as bench/statements.py counts a completion: `cases` 低保 cases after one
    warm-up (the first request of a user signs in, the first completion of a form loads it)."""
    counted = _Counted(app)
    counted.case(keep=False)
    for _ in range(cases):
        counted.case(keep=True)
    out = {}
    for kind, pairs in counted.samples.items():
        st = [s for s, _ in pairs]
        out[kind] = {"statements_mean": round(sum(st) / len(st), 2), "statements_max": max(st),
                     "commits_max": max(c for _, c in pairs)}
    return out


ENDPOINTS = {"list": "engine_rest.task.list_task", "claim": "engine_rest.task.claim",
             "complete": "engine_rest.task.complete"}


def main() -> int:
    """The floor, then the desks and the Tasklist clients on one server, as `make bench` runs them (without its
    bulk loads, timers and the rest): the two ratios of one run."""
    from . import cpu, database, floor, load
    from .__main__ import HERE, LOAD_SECONDS, _cpu_rows, say
    from .report import Row, table, write
    from .server import Server

    say("engine floor (one core, in memory)")
    raw: dict = {"cores": os.cpu_count(), "floor": floor.measure(float(os.environ.get("BENCH_FLOOR_SECONDS", "20")))}
    url = database.bench_url()
    say(f"fresh database {url.rsplit('/', 1)[-1]}: migrate, demo, deploy")
    app = database.prepare(url)
    add_users(app, CLIENTS)
    say("statements per Tasklist client request")
    raw["tasklist_statements"] = statements(app)
    with Server(url, scheduler=True, interval=1.0) as server:
        if os.environ.get("TASKLIST_ONLY") != "1":
            say(f"desks: gunicorn x{len(server.worker_pids())} workers, {LOAD_SECONDS:.0f} s")
            raw["service"] = load.run(server.base, LOAD_SECONDS, warmup=10,
                                      meter=cpu.Meter(server.worker_pids(), server.base, url),
                                      warmed=lambda: database.analyze(url))
            raw["service"]["load_average"] = round(os.getloadavg()[0], 1)
        say(f"Tasklist clients x{CLIENTS}: {LOAD_SECONDS:.0f} s")
        raw["tasklist"] = run(server.base, LOAD_SECONDS, warmup=10, clients=CLIENTS,
                              meter=cpu.Meter(server.worker_pids(), server.base, url),
                              endpoint_meter=cpu.EndpointMeter(server.base, ENDPOINTS),
                              warmed=lambda: database.analyze(url))
    floor_rate = raw["floor"]["steps_per_second"]
    result_rows = [Row("engine floor (1 core, user-task steps/s)", f"{floor_rate}", "reference", None)]
    if "service" in raw:
        desks = raw["service"]["completions_per_second"]
        result_rows += [Row("desks via REST (completions/s)", f"{desks}", "-", None),
                        Row("desks / floor (regression figure)", f"{desks / floor_rate:.2f}", ">= 0.5",
                            desks / floor_rate >= 0.5),
                        Row("machine load average during the desks' load", f"{raw['service']['load_average']}", "-",
                            None),
                        *_cpu_rows(raw, floor_rate)]
    result_rows += rows(raw)
    print()
    print(table(result_rows))
    write(HERE / "tasklist_results.json", result_rows, raw)
    print(f"\nwritten {HERE / 'tasklist_results.json'}")
    return 0


def rows(raw: dict) -> list:
    """The workload's rows of the table: completions/s and the ratio to the floor of the same run (goal 0.25x),
    requests per completion, CPU and SQL statements per request of each kind."""
    from .report import Row

    floor_rate, result = raw["floor"]["steps_per_second"], raw.get("tasklist")
    if not result:
        return []
    rate, counted, per = result["completions_per_second"], raw.get("tasklist_statements", {}), result["per_request"]
    out = [
        Row(f"Tasklist clients x{result['clients']} (list, claim, complete; completions/s)", f"{rate}", "-", None),
        Row("Tasklist clients / floor", f"{rate / floor_rate:.2f}", ">= 0.25", rate / floor_rate >= 0.25),
        Row("machine load average during the Tasklist load", f"{result.get('load_average')}", "-", None),
        Row("Tasklist requests per completion (lost claims)",
            f"{result['requests_per_completion']} ({result['lost_claims']})", "-", None),
    ]
    workers = result.get("workers_ms_per_completion")
    if workers:
        spent = workers + result["postgres_ms_per_completion"] + result["load_ms_per_completion"]
        alone = round(raw.get("cores", os.cpu_count() or 1) * 1000 / spent, 1)
        out += [Row("Tasklist CPU per completion: workers (engine) / PostgreSQL / load (ms)",
                    f"{workers} ({result['engine_ms_per_completion']}) / {result['postgres_ms_per_completion']} / "
                    f"{result['load_ms_per_completion']}", "-", None),
                Row("Tasklist on these cores alone: cores / that CPU per completion",
                    f"{alone} ({alone / floor_rate:.2f}x)", "-", None)]
    for kind in KINDS:
        cpu_ms = (per.get(kind) or {}).get("cpu_ms")
        st = counted.get(kind)
        sql = f"{st['statements_mean']} / {st['statements_max']}" if st else "-"
        out.append(Row(f"Tasklist {kind}: worker CPU per request (ms); SQL statements (mean / max)",
                       f"{cpu_ms if cpu_ms is not None else '-'}; {sql}", "-", None))
    return out


if __name__ == "__main__":
    sys.exit(main())
