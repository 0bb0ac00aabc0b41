"""Deadlines past the known calendar are provisional until the year is loaded, then recomputed."""

import json
from datetime import UTC, datetime

from tests.e2e.dibao_steps import Case

YEAR_2027 = {"holidays": {"2027-01-01": "元旦", "2027-01-02": "元旦", "2027-01-03": "元旦"}, "workdays": {}}


def _put(api, year, body):
    return api.client.put(f"/api/calendar/{year}", data=json.dumps(body), headers=api.headers,
                          content_type="application/json")


def test_a_deadline_into_an_unknown_year_is_recomputed_when_the_year_is_loaded(login_as, clock):
    clock.set(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))  # Wed 2026-12-30 10:00 Beijing time
    case = Case(login_as)
    case.accept()
    visit = case.task("investigator_cg", "home_visit")
    # 12/31, then Fri 1/1 and Mon 1/4 counted as weekdays until 2027 is known
    assert visit["due"] == "2027-01-04T23:59:59.000+0800" and visit["dueProvisional"] is True
    designer = login_as("designer")
    assert _put(login_as("window_cg"), 2027, YEAR_2027).status_code == 403
    response = _put(designer, 2027, YEAR_2027)
    assert response.status_code == 200 and response.json["recomputedTasks"] >= 1
    visit = case.task("investigator_cg", "home_visit")
    assert visit["due"] == "2027-01-05T23:59:59.000+0800" and visit["dueProvisional"] is False


def test_bad_calendar_files_name_the_field(login_as):
    designer = login_as("designer")
    response = _put(designer, 2027, {"holidays": {"2028-01-01": "元旦"}})
    assert response.status_code == 400 and response.json["field"] == "holidays.2028-01-01"
    response = _put(designer, 2027, {"holidays": {"2027-02-30": "x"}})
    assert response.status_code == 400 and response.json["field"] == "holidays.2027-02-30"
    response = _put(designer, 2027, {"holidays": {"2027-05-01": "x"}, "workdays": {"2027-05-01": "y"}})
    assert response.status_code == 400 and response.json["field"] == "workdays"


def test_cli_loads_a_year_file(runner, tmp_path):
    path = tmp_path / "2028.json"
    path.write_text(json.dumps({"year": 2028, "holidays": {"2028-10-02": "国庆节"},
                                "workdays": {"2028-10-08": "国庆调休"}}), encoding="utf-8")
    result = runner.invoke(args=["calendar-load", str(path)])
    assert result.exit_code == 0, result.output
    assert "2028: 1 holidays, 1 make-up working days" in result.output
