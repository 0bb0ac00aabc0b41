"""Supervisors see overdue work in working days, filter it, and export it with Chinese headers."""

from tests.support.dibao_steps import Case


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


def test_a_fired_deadline_timer_opens_an_escalation_the_supervisor_follows_up(login_as, clock):
    from tests.support.case_steps import LinshiCase

    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=800.0)
    case.complete("reviewer_cg", "emergency_payment", paid_amount=800.0, paid_at="2026-09-28")
    case.fire("documentation_overdue")
    supervisor = login_as("supervisor")
    url, headers = "/api/supervision/escalations", supervisor.headers
    mine = [e for e in supervisor.client.get(url, query_string={"state": "OPEN"}, headers=headers).json
            if e["processInstanceId"] == case.id]
    assert len(mine) == 1
    escalation = mine[0]
    assert escalation["activity"] == "post_documentation" and escalation["taskId"] == case.task(
        "window_cg", "post_documentation")["id"]
    act = f"{url}/{escalation['id']}"
    window = login_as("window_cg")
    assert window.client.post(act, json={"action": "acknowledge"}, headers=window.headers).status_code == 403
    assert supervisor.client.post(act, json={"action": "close"}, headers=headers).status_code == 400  # no comment
    assert supervisor.client.post(act, json={"action": "reassign", "assignee": "window_cg"},
                                  headers=headers).status_code == 204
    assert supervisor.client.post(act, json={"action": "close", "comment": "已电话督促补齐签字"},
                                  headers=headers).status_code == 204
    closed = [e for e in supervisor.client.get(url, query_string={"state": "CLOSED"}, headers=headers).json
              if e["id"] == escalation["id"]]
    assert closed[0]["assignee"] == "window_cg" and closed[0]["comment"] == "已电话督促补齐签字"
