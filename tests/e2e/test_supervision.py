"""Supervisors see overdue work in working days, filter it, and export it with Chinese headers."""

from tests.e2e.dibao_steps import Case


def _late(api, **params):
    return api.client.get("/api/supervision/tasks", query_string=params, headers=api.headers)


def test_overdue_home_visit_is_listed_with_working_days_overdue(login_as, clock):
    case = Case(login_as)
    case.accept()  # home_visit due Thu 10/8 (three working days after Mon 9/28, across 国庆)
    supervisor = login_as("supervisor")
    clock.advance(days=9)  # Wed 10/7: still within the limit
    soon = _late(supervisor, state="due_soon", activity="home_visit").json["items"]
    assert case.id in {i["processInstanceId"] for i in soon}
    clock.advance(days=5)  # Mon 10/12: 10/9, 10/10 (调休 Saturday) and 10/12 are past the due date
    body = _late(supervisor, activity="home_visit", township="cg", process="dibao").json
    mine = next(i for i in body["items"] if i["processInstanceId"] == case.id)
    assert mine["workdays_overdue"] == 3 and mine["township"] == "城关镇"
    assert body["buckets"]["1-3"] >= 1
    assert case.business_key not in {i["business_key"] for i in _late(supervisor, township="hd").json["items"]}
    csv = _late(supervisor, activity="home_visit", format="csv")
    assert csv.status_code == 200 and "逾期工作日" in csv.get_data(as_text=True)


def test_case_workers_cannot_see_the_supervision_view(login_as):
    assert _late(login_as("window_cg")).status_code == 403
    assert _late(login_as("supervisor"), township="nowhere").status_code == 400
