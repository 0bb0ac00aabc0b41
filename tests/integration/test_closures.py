"""Local closure days (a flood) are not working days for the deadlines of that township's cases."""

from datetime import UTC, datetime

from tests.support.dibao_steps import Case

URL = "/api/calendar/closures"


def _post(api, **body):
    return api.client.post(URL, json=body, headers=api.headers)


def _delete(api, closure_id):
    return api.client.delete(f"{URL}/{closure_id}", headers=api.headers)


def _visit_due(case) -> str:
    return case.task("investigator_cg", "home_visit")["due"]


def test_a_township_closure_moves_its_open_deadlines_and_counts_for_new_ones(login_as, clock):
    clock.set(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))  # Mon 2026-11-16 10:00 Beijing time
    first = Case(login_as)
    first.accept()
    assert _visit_due(first) == "2026-11-19T23:59:59.000+0800"  # 11/17, 11/18, 11/19
    designer = login_as("designer")
    elsewhere = _post(designer, org="hd", day="2026-11-18", reason="河东街道停电")
    assert elsewhere.status_code == 201
    assert _visit_due(first) == "2026-11-19T23:59:59.000+0800"  # a 城关镇 case ignores 河东's closure
    flood = _post(designer, org="cg", day="2026-11-18", reason="洪水，镇政府停止办公")
    assert flood.status_code == 201 and flood.json["recomputedTasks"] >= 1 and flood.json["orgName"] == "城关镇"
    try:
        assert _visit_due(first) == "2026-11-20T23:59:59.000+0800"  # 11/17, (11/18 closed), 11/19, 11/20
        second = Case(login_as)
        second.accept()
        assert _visit_due(second) == "2026-11-20T23:59:59.000+0800"
        listed = login_as("window_cg").client.get(URL, headers=login_as("window_cg").headers).json
        assert {(c["org"], c["day"]) for c in listed} >= {("cg", "2026-11-18"), ("hd", "2026-11-18")}
    finally:
        assert _delete(designer, flood.json["id"]).status_code == 200
        assert _delete(designer, elsewhere.json["id"]).status_code == 200
    assert _visit_due(first) == "2026-11-19T23:59:59.000+0800"


def test_only_designers_add_closures_and_bad_input_names_the_field(login_as):
    assert _post(login_as("window_cg"), org="cg", day="2026-11-18", reason="x").status_code == 403
    designer = login_as("designer")
    for body, status, field in (({"org": "nowhere", "day": "2026-11-18", "reason": "x"}, 404, "org"),
                                ({"org": "dongguan", "day": "2026-11-18", "reason": "x"}, 400, "org"),
                                ({"org": "cg", "day": "2026-11-31", "reason": "x"}, 400, "day"),
                                ({"org": "cg", "day": "2026-11-18"}, 400, "reason")):
        response = _post(designer, **body)
        assert response.status_code == status and response.json["field"] == field, (body, response.json)
    assert _delete(designer, 999999).status_code == 404


def test_cli_adds_and_removes_a_closure(runner):
    result = runner.invoke(args=["calendar-closure", "hd", "2026-12-07", "--reason", "暴雨"])
    assert result.exit_code == 0 and "hd 2026-12-07: closed" in result.output, result.output
    duplicate = runner.invoke(args=["calendar-closure", "hd", "2026-12-07", "--reason", "暴雨"])
    assert duplicate.exit_code == 1 and "day:" in duplicate.output
    result = runner.invoke(args=["calendar-closure", "hd", "2026-12-07", "--remove"])
    assert result.exit_code == 0 and "removed" in result.output, result.output
    again = runner.invoke(args=["calendar-closure", "hd", "2026-12-07", "--remove"])
    assert again.exit_code == 1 and "no closure" in again.output  # withdrawn: kept for replay, no longer listed


def test_a_withdrawn_day_can_be_closed_again(login_as):
    designer = login_as("designer")
    first = _post(designer, org="hd", day="2026-12-09", reason="停电")
    assert first.status_code == 201 and _delete(designer, first.json["id"]).status_code == 200
    assert _delete(designer, first.json["id"]).status_code == 404
    second = _post(designer, org="hd", day="2026-12-09", reason="再次停电")
    assert second.status_code == 201 and second.json["id"] != first.json["id"]
    assert _delete(designer, second.json["id"]).status_code == 200
