"""Page loads under the load of 20 people at work: the bureau's staff, each role at its own pages.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pages_bench python -m bench.pages

A fresh database with the demo county, then a county's working week over the REST API, as its users do it:
低保 cases left at every step (受理, 入户调查, 初审, 公示, 审核确认, 发放, 送达), 临时救助 (支出 and 急难) and 特困
cases, and the month's payment roll. Then 20 simulated users of the different roles (window, investigator, township
and county reviewer, village, finance, supervisor, auditor) log in on the pages and load them: the inbox, a task
form from it, a case page, the supervisor's pages, the auditor's timeline, the finance roll. Each reads a page for
THINK seconds (uniform around the mean) before the next, as a person does. The goal is the median page load at
most 300 ms on this machine; p95 and each page's figures are printed beside it.
"""

import os
import random
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

import requests

from .cpu import process_seconds
from .database import bench_url, prepare
from .load import Desk, Tally, applicant_id, next_month, typed
from .report import Row, table, write
from .server import Server

SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "60"))
THINK = float(os.environ.get("BENCH_PAGES_THINK_SECONDS", "1.0"))  # mean time a person reads a page
DIBAO = int(os.environ.get("BENCH_PAGES_DIBAO", "240"))
GOAL_MS = 300
# the 20 people: (user, how many of them at once)
PEOPLE = [("window_cg", 3), ("investigator_cg", 3), ("reviewer_cg", 2), ("village_cg", 1), ("county_reviewer", 2),
          ("finance", 2), ("supervisor", 3), ("auditor", 4)]
# what each role opens: an inbox-based desk, the supervisor's tables, the auditor's timelines, the finance roll
DESK = ("inbox", "task", "task", "case", "cases")
PAGES = {"supervisor": ("supervisor", "timers", "incidents", "case", "inbox"),
         "auditor": ("auditor", "timeline", "timeline", "case"),
         "finance": ("inbox", "task", "payroll", "roll", "roll_lines")}
CASE_LINK = re.compile(r'href="/(?:cases|auditor/cases)/([0-9a-f-]{36})"')
TASK_LINK = re.compile(r'href="(/tasks/[0-9a-f-]{36})"')


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class County:
    """A county's cases over the REST API, left at each step of their processes."""

    def __init__(self, base: str):
        self.base, self.tally = base + "/engine-rest", Tally()
        self.cases: list[str] = []
        self.pool = ThreadPoolExecutor(4)

    def desk(self, user: str) -> Desk:
        return Desk(self.base, user, self.tally)

    def _ok(self, reply, what: str):
        if reply.status_code >= 400:
            raise RuntimeError(f"{what}: {reply.status_code} {reply.text[:300]}")
        return reply

    def start(self, key: str, n: int) -> list[str]:
        def one(_):
            reply = self._ok(self.desk("window_cg").post(f"/process-definition/key/{key}/start", {
                "businessKey": f"{key[:2].upper()}-{uuid.uuid4().hex[:10].upper()}"}), f"start {key}")
            return reply.json()["id"]
        ids = list(self.pool.map(one, range(n)))
        self.cases += ids
        return ids

    def complete(self, user: str, activity: str, cases: list[str], values) -> None:
        """Complete `activity` of each case as `user`; `values` is a dict or a function of the case id."""
        def one(case_id):
            desk = self.desk(user)
            tasks = desk.get("/task", {"processInstanceId": case_id, "taskDefinitionKey": activity}).json()
            if len(tasks) != 1:
                raise RuntimeError(f"{activity} of {case_id}: {tasks}")
            given = values(case_id) if callable(values) else values
            self._ok(desk.post(f"/task/{tasks[0]['id']}/complete", {"variables": typed(given)}), activity)
        list(self.pool.map(one, cases))

    def verify(self, cases: list[str]) -> None:
        desk, wanted = self.desk("verifier"), set(cases)
        while wanted:
            locked = desk.post("/external-task/fetchAndLock", {"workerId": "bench", "maxTasks": 100, "topics": [
                {"topicName": "household-verification", "lockDuration": 600000}]}).json()
            if not locked:
                raise RuntimeError(f"{len(wanted)} cases wait for no matching task")
            for task in locked:
                self._ok(desk.post(f"/external-task/{task['id']}/complete", {
                    "workerId": "bench", "variables": typed({"verification_result": "matched", "vehicles": 0})}),
                    "verify")
                wanted.discard(task["processInstanceId"])

    def fire(self, activity: str, cases: list[str]) -> None:
        def one(case_id):
            desk = self.desk("supervisor")
            jobs = desk.get("/job", {"processInstanceId": case_id, "activityId": activity}).json()
            self._ok(desk.post(f"/job/{jobs[0]['id']}/execute"), f"fire {activity}")
        list(self.pool.map(one, cases))

    def payment_month(self, case_id: str) -> dict:
        found = self.desk("finance").get(f"/process-instance/{case_id}/variables/payment_from").json()
        return {"first_payment_month": found.get("value") or next_month(),
                "bank_account": f"6217{random.randrange(10**14, 10**15)}"}


def _dibao_accept(_case_id: str) -> dict:
    name = random.choice("张王李赵刘陈杨黄") + random.choice(["秀英", "建国", "桂兰", "志强", "海燕"])
    return {"applicant_name": name,
            "id_number": applicant_id(), "household_size": 3,
            "per_capita_income": 420.0, "pledge_signed": True,  # the 补差 the reviewers propose: (800 - 420) x 3
            "materials_complete": True, "registered_separately": False, "address": "城关镇东关社区幸福路 12 号"}


def seed(base: str) -> dict:
    """Cases at every step of 低保, 临时救助 and 特困, and the month's roll of those paid."""
    county, step = County(base), DIBAO // 8
    cases = county.start("dibao", DIBAO)
    left = cases[step:]  # the first eighth waits at 受理, the next at 入户调查, and so on
    county.complete("window_cg", "accept", left, _dibao_accept)
    visited = left[step:]
    county.complete("investigator_cg", "home_visit", visited, {
        "visitors": "李四,王五", "visit_date": "2026-09-29", "findings": "家庭成员3人，无车辆，收入来源为零工"})
    county.verify(visited)
    reviewed = visited[step:]
    county.complete("reviewer_cg", "township_review", reviewed, {"opinion": "approve", "proposed_amount": 1140.0})
    published = reviewed[step:]
    county.fire("publicity", published)
    decided = published[step:]
    county.complete("county_reviewer", "county_review", decided, {"decision": "approve", "amount": 1140.0})
    paid = decided[step:]
    county.complete("finance", "payment", paid, county.payment_month)
    county.complete("window_cg", "approval_notice", paid[step:], {"notice_delivered": True})
    say(f"{DIBAO} 低保 cases at their steps")
    linshi = county.start("linshi", DIBAO // 4)
    half = len(linshi) // 2
    county.complete("window_cg", "accept", linshi[:half], lambda _: {
        "applicant_name": "李梅", "id_number": applicant_id(), "kind": "急难", "amount": 2000.0,
        "reason": "突发重病住院，自付医疗费用较高"})
    county.complete("window_cg", "accept", linshi[half:], lambda _: {
        "applicant_name": "李梅", "id_number": applicant_id(), "kind": "支出", "amount": 3000.0,
        "reason": "突发重病住院，自付医疗费用较高"})
    tekun = county.start("tekun", DIBAO // 4)
    county.complete("window_cg", "accept", tekun, lambda _: {
        "applicant_name": "王秀英", "id_number": applicant_id(), "age": 78, "work_capacity": "none",
        "disability_grade": "2", "income": 0.0, "has_able_supporter": False})
    say(f"{len(linshi)} 临时救助 and {len(tekun)} 特困 cases")
    roll = requests.post(base + "/api/payroll/runs", json={"county": "sfx", "month": next_month(), "kind": "regular"},
                         auth=("finance", "demo123"), timeout=120)
    run_id = roll.json().get("id") if roll.status_code == 201 else None
    say(f"payment roll {run_id or roll.text[:200]}")
    return {"cases": county.cases, "run_id": run_id, "requests": county.tally.commands + county.tally.reads}


class Person:
    """One of the staff at the pages: logs in, then opens the pages of their role one after another."""

    def __init__(self, base: str, user: str, world: dict, timings: dict, errors: list, stop: threading.Event):
        self.base, self.user, self.world, self.stop = base, user, world, stop
        self.timings, self.errors = timings, errors
        self.http = requests.Session()
        self.rng = random.Random(f"{user}-{id(self)}")
        self.tasks: list[str] = []
        self.cases: list[str] = []

    def get(self, page: str, path: str) -> str | None:
        began = time.perf_counter()
        try:
            reply = self.http.get(self.base + path, timeout=60, allow_redirects=False)
        except requests.RequestException as err:
            self.errors.append(f"{self.user} {path}: {err!r}")
            return None
        elapsed = (time.perf_counter() - began) * 1000
        if reply.status_code != 200:
            self.errors.append(f"{self.user} {path}: {reply.status_code}")
            return None
        self.timings.setdefault(page, []).append(elapsed)
        return reply.text

    def login(self) -> None:
        page = self.http.get(self.base + "/login", timeout=60).text
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
        began = time.perf_counter()
        reply = self.http.post(self.base + "/login", data={"username": self.user, "password": "demo123",
                                                           "csrf_token": token}, timeout=60)
        if reply.status_code != 200 or "/login" in reply.url:
            raise RuntimeError(f"{self.user} could not log in: {reply.status_code}")
        self.timings.setdefault("login", []).append((time.perf_counter() - began) * 1000)

    def run(self) -> None:
        try:
            self.login()
            pages = PAGES.get(self.user, DESK)
            while not self.stop.is_set():
                self.open(self.rng.choice(pages))
                self.stop.wait(self.rng.uniform(0.5 * THINK, 1.5 * THINK))
        except Exception as err:  # a person who could not work is reported, not hidden
            self.errors.append(f"{self.user}: {err!r}")

    def open(self, page: str) -> None:
        run_id = self.world["run_id"]
        if page == "inbox":
            self._links(self.get(page, f"/inbox?page={self.rng.randrange(1, 4)}"))
        elif page == "task" and self.tasks:
            self.get(page, self.rng.choice(self.tasks))
        elif page in ("case", "timeline"):
            case_id = self.rng.choice(self.cases or self.world["cases"])
            self.get(page, f"/cases/{case_id}" if page == "case" else f"/auditor/cases/{case_id}")
        elif page in ("cases", "supervisor", "auditor"):
            self._links(self.get(page, {"cases": "/cases", "supervisor": "/supervisor", "auditor": "/auditor"}[page]))
        elif page in ("timers", "incidents"):
            self.get(page, f"/supervisor/{page}")
        elif page == "payroll":
            self.get(page, "/payroll")
        elif page in ("roll", "roll_lines") and run_id:
            self.get(page, f"/payroll/runs/{run_id}" + ("/lines" if page == "roll_lines" else ""))
        else:
            self._links(self.get("inbox", "/inbox"))

    def _links(self, html: str | None) -> None:
        """The tasks and cases the page offers, for the next pages this person opens."""
        if html:
            self.tasks = sorted(set(TASK_LINK.findall(html))) or self.tasks
            self.cases = sorted(set(CASE_LINK.findall(html))) or self.cases


def alone(base: str, world: dict, times: int = 8) -> dict:
    """Each page loaded by one person with nobody else at work: what it costs the service by itself."""
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    for user, _ in PEOPLE:
        person = Person(base, user, world, timings, errors, threading.Event())
        person.login()
        person.open("inbox")
        for page in dict.fromkeys(PAGES.get(user, DESK)):
            for _ in range(times):
                person.open(page)
    return {page: _pct(sorted(v), 50) for page, v in sorted(timings.items())}


def measure(base: str, world: dict, seconds: float, workers: list[int]) -> dict:
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    stop = threading.Event()
    cpu_before, load_before = process_seconds(workers), os.getloadavg()[0]
    people = [Person(base, user, world, timings, errors, stop) for user, n in PEOPLE for _ in range(n)]
    threads = [threading.Thread(target=p.run, daemon=True) for p in people]
    for t in threads:
        t.start()
        time.sleep(THINK / len(threads))  # people arrive over a second, not in the same millisecond
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    cpu, machine_load = process_seconds(workers) - cpu_before, round((load_before + os.getloadavg()[0]) / 2, 1)
    loads = sorted(ms for page, values in timings.items() if page != "login" for ms in values)
    return {"people": len(people), "think_s": THINK, "seconds": seconds, "loads": len(loads),
            "worker_cpu_ms_per_page": round(1000 * cpu / max(1, len(loads)), 1), "machine_load": machine_load,
            "per_second": round(len(loads) / seconds, 1), "p50_ms": _pct(loads, 50), "p95_ms": _pct(loads, 95),
            "pages": {page: {"n": len(v), "p50_ms": _pct(sorted(v), 50), "p95_ms": _pct(sorted(v), 95)}
                      for page, v in sorted(timings.items())},
            "errors": errors[:10], "error_count": len(errors)}


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if q == 50:
        return round(median(values), 1)
    return round(values[min(len(values) - 1, int(len(values) * q / 100))], 1)


def rows(raw: dict) -> list[Row]:
    load = raw["load"]
    p50, p95 = load["p50_ms"], load["p95_ms"]
    out = [
        Row(f"page load p50, {load['people']} people at work ({load['per_second']} pages/s)", f"{p50} ms",
            f"<= {GOAL_MS} ms", p50 is not None and p50 <= GOAL_MS and not load["error_count"]),
        Row(f"page load p95, {load['people']} people at work", f"{p95} ms", "-", None),
    ]
    out += [Row(f"  {page}: alone p50 | at work p50 / p95 ({figures['n']} loads)",
                f"{raw['alone'].get(page)} | {figures['p50_ms']} / {figures['p95_ms']} ms", "-", None)
            for page, figures in load["pages"].items()]
    out += [Row("service workers' CPU per page", f"{load['worker_cpu_ms_per_page']} ms", "-", None),
            Row(f"machine load average meanwhile ({os.cpu_count()} cores, shared with other processes)",
                f"{load['machine_load']}", "-", None)]
    out.append(Row("page errors", str(load["error_count"]), "0", load["error_count"] == 0))
    return out


def main() -> int:
    url = bench_url()
    say(f"fresh database {url.rsplit('/', 1)[-1]}: migrate, demo, deploy")
    prepare(url).extensions["db_engine"].dispose()
    with Server(url) as server:
        say(f"a county's cases over the REST API (gunicorn x{len(server.worker_pids())})")
        world = seed(server.base)
        say("each page alone, one person at a time")
        raw = {"seed_requests": world["requests"], "cases": len(world["cases"]), "run_id": world["run_id"],
               "alone": alone(server.base, world)}
        say(f"{sum(n for _, n in PEOPLE)} people at the pages for {SECONDS:.0f} s, reading each page ~{THINK} s")
        raw["load"] = measure(server.base, world, SECONDS, server.worker_pids())
    result = rows(raw)
    print()
    print(table(result))
    if raw["load"]["error_count"]:
        print("\nerrors:", *raw["load"]["errors"], sep="\n  ")
    write(Path(__file__).parent / "pages_results.json", result, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
