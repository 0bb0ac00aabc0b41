"""Errors a person meets on the pages: Chinese pages that say what to do next (the API keeps its JSON), a task
someone else finished, an expired form, the error summary that names each field and its format."""

import re

from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def test_an_unknown_page_is_a_chinese_page_and_the_api_keeps_its_json(app):
    web = Web(app, "window_cg")
    page = web.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "页面不存在" in page.text and "返回待办" in page.text
    assert Web(app).get("/no-such-page").status_code == 404  # anonymous too, offering the login
    for path in ("/engine-rest/no-such-resource", "/api/no-such-resource"):
        answer = web.get(path)
        assert answer.status_code == 404 and answer.json["type"] == "NotFoundException", path


def test_a_forbidden_page_says_what_to_do_and_shows_no_permission_code(app):
    page = Web(app, "window_cg").get("/supervisor")
    assert page.status_code == 403 and "联系本单位系统管理员" in page.text
    assert not re.search(r"supervision\.read|window_cg", page.text)


def test_the_pages_have_a_favicon(app):
    icon = Web(app).get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    icon.close()
    assert 'rel="icon"' in Web(app).get("/login").text


def test_a_task_completed_in_another_tab_says_by_whom_and_when(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    web = Web(app, "window_cg")
    case.accept()  # done meanwhile by the same window through the API
    again = web.post(f"/tasks/{task['id']}", {"action": "complete", "applicant_name": "张三"})
    assert again.status_code == 409
    assert "此任务已由 <b>城关镇受理窗口</b> 于 2026-09-28 10:00 完成任务" in again.text
    assert "不存在" not in again.text and f"/cases/{case.id}" in again.text
    assert Web(app, "window_hd").get(f"/tasks/{task['id']}").status_code == 404  # another township learns nothing


def test_a_form_posted_from_before_a_new_login_goes_back_to_the_form(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    web = Web(app, "window_cg")
    stale = web.client.post(f"/tasks/{task['id']}", data={"csrf_token": "from-the-old-session", "action": "complete"},
                            headers={"Referer": f"http://localhost/tasks/{task['id']}"})
    assert stale.status_code == 302 and stale.location == f"/tasks/{task['id']}"
    assert "从本机草稿恢复" in web.get(f"/tasks/{task['id']}").text
    anonymous = Web(app).client.post(f"/tasks/{task['id']}", data={"action": "complete"})
    assert anonymous.status_code == 302 and anonymous.location.startswith(f"/login?next=/tasks/{task['id']}")


def test_the_error_summary_links_each_field_and_says_its_format(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    task = case.task("reviewer_cg", "township_review")
    page = Web(app, "reviewer_cg").post(f"/tasks/{task['id']}", {"action": "complete", "opinion": "approve",
                                                                  "proposed_amount": "一千"})
    assert page.status_code == 422
    summary = re.search(r'<div class="flash flash-error error-summary"[^>]*tabindex="-1".*?</div>', page.text, re.S)[0]
    assert re.search(r'<a href="#f-proposed_amount" data-error-link>[^<]*拟保障金额[^<]*：[^<]+</a>', summary), summary
    assert "应填：数字" in summary
    assert 'id="f-proposed_amount"' in page.text
