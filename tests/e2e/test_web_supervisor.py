"""督办 page: late work per township and step, compliance, escalations acted on, exports, the waiting heatmap."""

import io
import json
import re

from openpyxl import load_workbook

from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def _waiting(page: str, activity: str) -> int:
    found = re.search(rf'<tr data-activity="{activity}"><td>[^<]*</td><td>(\d+)</td>', page)
    return int(found[1]) if found else 0


def _late_row(page: str, township: str, step: str) -> tuple[int, int]:
    row = page.split(f'<tr data-township="{township}" data-step="{step}">')[1].split("</tr>")[0]
    cells = re.findall(r"<td>(?:<span class=\"badge [a-z-]+\">)?(\d+)", row)
    return int(cells[0]), int(cells[1])


def test_the_dashboard_counts_late_work_per_township_and_step_as_the_api_does(app, login_as, clock):
    case = Case(login_as)
    case.accept()  # home_visit due Thu 10/8
    clock.advance(days=14)  # Mon 10/12: overdue
    page = Web(app, "supervisor").get("/supervisor", process="dibao").text
    api = login_as("supervisor")
    listed = api.client.get("/api/supervision/tasks", headers=api.headers,
                            query_string={"process": "dibao", "township": "cg", "activity": "home_visit"}).json
    overdue, _ = _late_row(page, "城关镇", "入户调查")
    assert overdue == listed["count"] >= 1
    assert case.business_key in page  # in the list of overdue tasks
    assert '<div class="chart-row" data-township="cg">' in page


def test_the_heatmap_counts_cases_waiting_at_each_step(app, login_as):
    web = Web(app, "supervisor")
    before = _waiting(web.get("/supervisor", process="dibao").text, "accept")
    Case(login_as)
    Case(login_as).accept()
    page = web.get("/supervisor", process="dibao").text
    assert _waiting(page, "accept") == before + 1
    counts = json.loads(re.search(r"\{counts: (\{.*?\})\}", page)[1])
    assert counts["accept"] == before + 1 and counts["home_visit"] >= 1
    assert "CaseDiagram.show(document.getElementById('heatmap-diagram')" in page


def test_tables_export_as_excel_and_csv_with_chinese_headers(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    clock.advance(days=14)
    web = Web(app, "supervisor")
    sheet = load_workbook(io.BytesIO(web.get("/supervisor/export/tasks.xlsx", process="dibao").data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "业务编号" and case.business_key in {r[0] for r in rows[1:]}
    csv = web.get("/supervisor/export/compliance.csv", process="dibao")
    assert csv.mimetype == "text/csv" and csv.data.startswith("\ufeff".encode())
    assert web.get("/supervisor/export/cases.csv").status_code == 404
    assert Web(app, "window_cg").get("/supervisor/export/tasks.csv").status_code == 403


def test_the_supervisor_acknowledges_and_closes_an_escalation_from_the_page(app, login_as, clock):
    from tests.support.case_steps import LinshiCase

    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=800.0)
    case.complete("reviewer_cg", "emergency_payment", paid_amount=800.0, paid_at="2026-09-28")
    case.fire("documentation_overdue")
    api = login_as("supervisor")
    escalation = next(e for e in api.client.get("/api/supervision/escalations", headers=api.headers).json
                      if e["processInstanceId"] == case.id)
    web = Web(app, "supervisor")
    assert f'data-escalation="{escalation["id"]}" data-state="OPEN"' in web.get("/supervisor").text
    url = f"/supervisor/escalations/{escalation['id']}"
    assert Web(app, "window_cg").post(url, {"action": "acknowledge"}).status_code == 403
    assert web.post(url, {"action": "acknowledge"}).status_code == 302
    assert f'data-escalation="{escalation["id"]}" data-state="ACKNOWLEDGED"' in web.get("/supervisor").text
    assert web.post(url, {"action": "reassign", "assignee": "window_cg"}).status_code == 302
    row = web.get("/supervisor").text.split(f'data-escalation="{escalation["id"]}"')[1].split("</tr>")[0]
    assert "<td>城关镇受理窗口" in row  # the display name, not the user id
    web.post(url, {"action": "close"})
    assert "关闭督办须填写处理意见" in web.get("/supervisor").text
    assert web.post(url, {"action": "close", "comment": "已电话督促"}).status_code == 302
    assert f'data-escalation="{escalation["id"]}"' not in web.get("/supervisor").text


def test_case_workers_cannot_open_the_dashboard(app):
    assert Web(app, "window_cg").get("/supervisor").status_code == 403
