"""Replay uses the calendar in force at each event: a year loaded or a closure changed later is no tampering.

The fixture process (tests/fixtures/workday_deadline.bpmn) computes deadlines with `add_workdays` in scripts,
so they are case data that stays as computed. 2027 belongs to tests/integration/test_calendar_years.py (a
year loads once per database), so these cases live in 2029–2030, which no other test touches.
"""

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from tests.support.dibao_steps import Case

FIXTURE = Path(__file__).parent.parent / "fixtures" / "workday_deadline.bpmn"
CLOSURES = "/api/calendar/closures"
YEAR_2030 = {"year": 2030, "holidays": {"2030-01-01": "元旦", **{f"2030-02-{d:02d}": "春节" for d in range(4, 11)}},
             "workdays": {"2030-02-16": "春节调休"}}


class DeadlineCase(Case):
    KEY, PREFIX = "workday_deadline", "WD"

    def finish(self, activity: str) -> dict:
        return self.complete("window_cg", activity)


def _deploy(login_as) -> None:
    designer = login_as("designer")
    files = {"enable-duplicate-filtering": "true", "data": (io.BytesIO(FIXTURE.read_bytes()), "workday_deadline.bpmn")}
    response = designer.client.post("/engine-rest/deployment/create", headers=designer.headers,
                                    content_type="multipart/form-data", data=files)
    assert response.status_code == 200, response.json


def _beijing_10am(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC)


def _replays_every_event(login_as, case: Case) -> None:
    auditor = login_as("auditor")
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True, verdict
    for seq in range(1, verdict["events"] + 1):
        state = auditor.client.get(f"/api/audit/cases/{case.id}/events/{seq}/state", headers=auditor.headers)
        assert state.status_code == 200 and state.json["matchesRecord"] is True, (seq, state.json)


def _closure(login_as, day: str) -> int:
    designer = login_as("designer")
    response = designer.client.post(CLOSURES, data=json.dumps({"org": "cg", "day": day, "reason": "洪水"}),
                                    headers=designer.headers, content_type="application/json")
    assert response.status_code == 201, response.json
    return response.json["id"]


def _withdraw(login_as, closure_id: int) -> None:
    designer = login_as("designer")
    assert designer.client.delete(f"{CLOSURES}/{closure_id}", headers=designer.headers).status_code == 200


def test_a_provisional_deadline_replays_after_its_year_is_loaded(login_as, clock):
    _deploy(login_as)
    clock.set(_beijing_10am("2029-12-27"))  # Thu; 2030 unknown: counted Monday to Friday
    case = DeadlineCase(login_as)
    # 12/28, 12/31, then 28 weekdays of 2030 (1/1 counted) up to Thu 2/7
    assert case.variables()["decision_due"] == "2030-02-07T23:59:59+08:00"
    assert case.task("window_cg", "review")["dueProvisional"] is True
    clock.set(_beijing_10am("2030-01-02"))
    designer = login_as("designer")
    loaded = designer.client.put("/api/calendar/2030", data=json.dumps(YEAR_2030), headers=designer.headers,
                                 content_type="application/json")
    assert loaded.status_code == 200, loaded.json
    # the task's due date follows the year (元旦 and 春节 skipped); the script's variable stays as computed
    # 12/28, 12/31, 22 January weekdays besides 元旦, 2/1, then 2/11–2/15 after 春节
    assert case.task("window_cg", "review")["due"] == "2030-02-15T23:59:59.000+0800"
    assert case.variables()["decision_due"] == "2030-02-07T23:59:59+08:00"
    clock.set(_beijing_10am("2030-01-03"))
    case.finish("review")
    # computed with 2030 known: 1/4 … 2/1 (21), 春节 skipped, 2/11 … 2/15 (26), 调休 Sat 2/16, 2/18 … 2/20
    assert case.variables()["notice_due"] == "2030-02-20T23:59:59+08:00"
    clock.set(_beijing_10am("2030-01-07"))
    case.finish("notice")
    _replays_every_event(login_as, case)
    auditor = login_as("auditor")  # verify-all builds each calendar version once and shares it across cases
    everything = auditor.client.get("/api/audit/verify", headers=auditor.headers).json
    assert everything["cases"] >= 1 and case.id not in {v["caseId"] for v in everything["failed"]}


def test_a_closure_added_after_a_deadline_was_computed_does_not_change_its_replay(login_as, clock):
    _deploy(login_as)
    clock.set(_beijing_10am("2029-11-05"))  # Mon
    case = DeadlineCase(login_as)
    assert case.variables()["decision_due"] == "2029-12-17T23:59:59+08:00"  # 30 weekdays
    clock.set(_beijing_10am("2029-11-06"))
    flood = _closure(login_as, "2029-11-20")
    try:
        assert case.task("window_cg", "review")["due"] == "2029-12-18T23:59:59.000+0800"  # the open task moves
        clock.set(_beijing_10am("2029-11-07"))
        case.finish("review")
        assert case.variables()["notice_due"] == "2029-12-20T23:59:59+08:00"  # 30 weekdays, 11/20 closed
        _replays_every_event(login_as, case)
    finally:
        clock.set(_beijing_10am("2029-11-08"))
        _withdraw(login_as, flood)
    _replays_every_event(login_as, case)


def test_a_closure_in_force_when_a_deadline_was_computed_and_withdrawn_later_still_replays(login_as, clock):
    _deploy(login_as)
    clock.set(_beijing_10am("2029-10-08"))  # Mon
    epidemic = _closure(login_as, "2029-10-15")
    clock.advance(minutes=5)
    case = DeadlineCase(login_as)
    # 30 weekdays from 10/8 end on 11/19; the closed 10/15 pushes the deadline to 11/20
    assert case.variables()["decision_due"] == "2029-11-20T23:59:59+08:00"
    clock.set(_beijing_10am("2029-10-09"))
    _withdraw(login_as, epidemic)
    assert case.task("window_cg", "review")["due"] == "2029-11-19T23:59:59.000+0800"
    assert case.variables()["decision_due"] == "2029-11-20T23:59:59+08:00"
    listed = login_as("designer").client.get(CLOSURES, headers=login_as("designer").headers).json
    assert "2029-10-15" not in {c["day"] for c in listed}
    _replays_every_event(login_as, case)
    clock.set(_beijing_10am("2029-10-10"))
    case.finish("review")
    _replays_every_event(login_as, case)


def test_a_reloaded_year_replays_each_event_with_the_version_loaded_before_it(login_as, clock):
    _deploy(login_as)
    designer = login_as("designer")

    def load(holidays: dict) -> None:
        body = {"year": 2031, "holidays": holidays, "workdays": {}}
        response = designer.client.put("/api/calendar/2031", data=json.dumps(body), headers=designer.headers,
                                       content_type="application/json")
        assert response.status_code == 200, response.json

    clock.set(_beijing_10am("2031-03-03"))  # Mon
    load({"2031-01-01": "元旦"})
    clock.advance(minutes=5)
    case = DeadlineCase(login_as)
    assert case.variables()["decision_due"] == "2031-04-14T23:59:59+08:00"  # 30 weekdays
    clock.set(_beijing_10am("2031-03-04"))
    load({"2031-01-01": "元旦", "2031-04-04": "清明节"})  # a corrected notice: 清明 was missing
    assert case.task("window_cg", "review")["due"] == "2031-04-14T23:59:59.000+0800"  # not provisional: unchanged
    clock.set(_beijing_10am("2031-03-05"))
    case.finish("review")
    assert case.variables()["notice_due"] == "2031-04-17T23:59:59+08:00"  # 3/6 … 4/16 with 清明 4/4 skipped
    _replays_every_event(login_as, case)
