"""The server-rendered pages: login and CSRF, the inbox, the task form, the case page, 新建申请."""

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.store.tables import AccessLog, TaskDraft, User
from tests.conftest import PASSWORD, typed
from tests.support.case_steps import TekunCase
from tests.support.dibao_steps import Case, accept_variables, unique_id_number
from tests.support.web_client import Web, field_error, field_value


def test_pages_send_an_anonymous_visitor_to_the_login_and_back(app):
    web = Web(app)
    response = web.get("/inbox")
    assert response.status_code == 302 and response.location.startswith("/login?next=/inbox")
    login = web.post("/login", {"username": "window_cg", "password": PASSWORD, "next": "/cases"})
    assert login.location == "/cases"
    assert "城关镇受理窗口" in web.get("/cases").text


def test_a_wrong_password_is_refused_and_the_username_kept(app):
    web = Web(app)
    response = web.post("/login", {"username": "window_cg", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text and 'value="window_cg"' in response.text
    assert web.get("/inbox").status_code == 302


def test_a_post_without_the_session_token_is_refused(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    web = Web(app, "window_cg")
    forged = web.post(f"/inbox/tasks/{task['id']}/claim", csrf=False)
    assert forged.status_code == 403 and "表单已过期或来源不明" in forged.text
    wrong = web.client.post(f"/inbox/tasks/{task['id']}/claim", data={"csrf_token": "guessed"})
    assert wrong.status_code == 403
    assert case.task("window_cg", "accept")["assignee"] is None
    assert web.post(f"/inbox/tasks/{task['id']}/claim").status_code == 302
    assert case.task("window_cg", "accept")["assignee"] == "window_cg"


def test_logout_ends_the_session(app):
    web = Web(app, "finance")
    assert web.get("/inbox").status_code == 200
    assert web.post("/logout").location == "/login"
    assert web.get("/inbox").status_code == 302


def test_another_township_sees_neither_the_task_nor_the_case(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    other = Web(app, "window_hd")
    assert case.business_key not in other.get("/inbox").text
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert other.get(f"/cases/{case.id}").status_code == 404
    assert f"/cases/{case.id}" not in other.get("/cases", q=case.business_key).text
    assert f"/cases/{case.id}" in Web(app, "window_cg").get("/cases", q=case.business_key).text


def _start(login_as, village: str | None = None) -> Case:
    case = Case.__new__(Case)
    case.login_as, case.business_key = login_as, f"DB-{uuid.uuid4().hex[:12]}"
    variables = typed(village=village) if village else {}
    response = login_as("window_cg").post("/process-definition/key/dibao/start",
                                          {"businessKey": case.business_key, "variables": variables})
    assert response.status_code == 200, response.json
    case.id = response.json["id"]
    return case


def test_inbox_marks_overdue_and_due_soon_sorts_by_due_and_filters_by_village(app, login_as, clock):
    early = _start(login_as)
    early.accept()  # 入户调查 due 3 working days after 9/28: 10/8
    clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    soon = _start(login_as)
    soon.accept()  # due 10/10 (a 调休 Saturday)
    clock.set(datetime(2026, 10, 9, 2, 0, tzinfo=UTC))
    late = _start(login_as, village="xiguan")
    late.accept()  # due 10/13, more than two working days ahead
    keys = [early.business_key, soon.business_key, late.business_key]
    web = Web(app, "investigator_cg")

    rows = [r for r in web.inbox_rows(step="home_visit", size=100) if r["business_key"] in keys]
    assert [(r["business_key"], r["mark"]) for r in rows] == [
        (early.business_key, "overdue"), (soon.business_key, "due-soon"), (late.business_key, "")]
    latest_first = [r["business_key"] for r in web.inbox_rows(step="home_visit", order="desc", size=100)
                    if r["business_key"] in keys]
    assert latest_first == keys[::-1]
    in_xiguan = [r["business_key"] for r in web.inbox_rows(village="xiguan", size=100)]
    assert late.business_key in in_xiguan and early.business_key not in in_xiguan
    assert all(r["activity"] == "home_visit" for r in web.inbox_rows(step="home_visit", size=100))


def test_inbox_pages_through_the_tasks(app, login_as, clock):
    for _ in range(3):
        _start(login_as)
    web = Web(app, "window_cg")
    total = int(re.search(r"共 (\d+) 件", web.get("/inbox").text)[1])
    seen = [row["id"] for page in range(1, total + 1) for row in web.inbox_rows(size=1, page=page)]
    assert len(seen) == total == len(set(seen)) >= 3
    assert f"第 2 / {total} 页" in web.get("/inbox", size=1, page=2).text


def test_claim_and_unclaim_from_the_inbox(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    web = Web(app, "window_cg")
    assert web.post(f"/inbox/tasks/{task['id']}/claim", {"back": "/inbox?step=accept"}).location == \
        "/inbox?step=accept"
    assert case.task("window_cg", "accept")["assignee"] == "window_cg"
    assert "我已认领" in web.inbox_row_html(task["id"], step="accept")
    web.post(f"/inbox/tasks/{task['id']}/unclaim")
    assert case.task("window_cg", "accept")["assignee"] is None


def test_a_refused_form_shows_each_error_by_its_field_and_keeps_what_was_typed(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    web = Web(app, "window_cg")
    response = web.post(f"/tasks/{task['id']}", {"action": "complete", "applicant_name": "张三",
                                                 "id_number": "110101199003071230", "household_size": "三口",
                                                 "per_capita_income": "420", "pledge_signed": "on"})
    assert response.status_code == 422
    page = response.text
    assert "校验" in field_error(page, "id_number")
    assert field_error(page, "household_size").endswith("须为数字")
    assert field_error(page, "applicant_name") is None
    assert field_value(page, "applicant_name") == "张三"
    assert field_value(page, "household_size") == "三口"
    assert re.search(r'name="pledge_signed" checked', page)
    assert case.task("window_cg", "accept")["id"] == task["id"]  # nothing was completed


def test_a_saved_draft_comes_back_and_goes_with_the_completed_task(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    web = Web(app, "investigator_cg")
    saved = web.post(f"/tasks/{task['id']}", {"action": "save", "visitors": "李四,王五", "findings": "收入来源为零工"})
    assert saved.location == f"/tasks/{task['id']}"
    page = web.get(f"/tasks/{task['id']}").text
    assert field_value(page, "visitors") == "李四,王五" and field_value(page, "findings") == "收入来源为零工"
    assert "草稿保存于" in page
    assert field_value(Web(app, "investigator_cg").get(f"/tasks/{task['id']}").text, "visitors") == "李四,王五"
    expenses = {"medical_expense": "0", "education_expense": ""}  # pre-filled 0; an emptied field is no expense
    done = web.post(f"/tasks/{task['id']}", {"action": "complete", "visitors": "李四,王五", "visit_date": "2026-09-29",
                                             "findings": "属实", **expenses})
    assert done.status_code == 302
    gone = web.get(f"/tasks/{task['id']}")
    assert gone.status_code == 410 and "已由 <b>城关镇调查员</b>" in gone.text
    case.verify()  # the branches join: the visit's values are the case's
    assert json.loads(case.variables()["visitors"]) == ["李四", "王五"]
    with app.extensions["runtime"].unit_of_work() as uow:
        assert uow.session.get(TaskDraft, (task["id"], "investigator_cg")) is None


def test_completing_a_task_opens_my_next_task_in_the_same_case(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    values = {k: v["value"] for k, v in accept_variables(materials_complete=False,
                                                         id_number=unique_id_number()).items()}
    form = {**{k: str(v) for k, v in values.items() if not isinstance(v, bool)}, "pledge_signed": "on",
            "missing_materials": "户口簿复印件；残疾证", "action": "complete"}
    response = Web(app, "window_cg").post(f"/tasks/{task['id']}", form)
    notice = case.task("window_cg", "notify_missing")
    assert response.location == f"/tasks/{notice['id']}"


def test_the_case_page_shows_the_path_where_it_waits_the_timeline_and_referrals(app, login_as, clock):
    case = Case(login_as)
    case.accept(needs=["医疗"], note="大病医疗救助")
    case.complete("dept_medical_user", "referral_accept", referral_decision="accept")
    case.complete("dept_medical_user", "referral_feedback", outcome="已救助", amount_or_service="5000元",
                  feedback_date="2026-10-12")
    page = Web(app, "reviewer_cg").get(f"/cases/{case.id}").text
    diagram = re.search(r'id="case-diagram" class="diagram" data-done="([^"]*)" data-waiting="([^"]*)"', page)
    assert "accept" in diagram[1].split(",")
    assert {"home_visit", "verify"} <= set(diagram[2].split(","))
    assert "发起申请" in page and "办理完成：受理" in page
    assert "医保部门" in page and "大病医疗救助" in page and "已救助（5000元）" in page


def test_the_case_page_works_without_the_diagram_bundle(app, login_as, clock, monkeypatch):
    from app.web import cases

    monkeypatch.setattr(cases, "_has_viewer", lambda: False)
    case = Case(login_as)
    page = Web(app, "window_cg").get(f"/cases/{case.id}").text
    assert "流程图组件未构建" in page and "dist/viewer.js" not in page


def test_a_window_user_starts_a_case_from_the_new_application_page(app, login_as, clock):
    web = Web(app, "window_cg")
    assert "最低生活保障" in web.get("/cases/new").text or 'value="dibao"' in web.get("/cases/new").text
    response = web.post("/cases/new", {"process": "dibao", "village": "xiguan", "business_key": "WEB-START-1"})
    task_id = response.location.rsplit("/", 1)[1]
    assert response.location.startswith("/tasks/")
    task = login_as("window_cg").get(f"/task/{task_id}").json
    assert task["taskDefinitionKey"] == "accept"
    assert login_as("window_cg").get("/process-instance", businessKey="WEB-START-1").json[0]["id"] == \
        task["processInstanceId"]


def test_only_starting_roles_see_the_new_application_page(app):
    web = Web(app, "investigator_cg")
    assert "新建申请" not in web.get("/inbox").text
    assert web.get("/cases/new").status_code == 403
    assert web.post("/cases/new", {"process": "dibao"}).status_code == 403


def test_the_case_page_masks_personal_data_for_roles_that_do_not_meet_the_applicant(app, login_as, clock):
    case = Case(login_as)
    number = unique_id_number()
    case.accept(id_number=number)
    whole = Web(app, "reviewer_cg").get(f"/cases/{case.id}").text
    assert f'data-var="id_number">{number}<' in whole and 'data-var="applicant_name">张三<' in whole
    masked = Web(app, "supervisor").get(f"/cases/{case.id}").text
    assert number not in masked
    assert f'data-var="id_number">{number[:6]}********{number[-4:]}<' in masked
    assert 'data-var="applicant_name">张*<' in masked
    with app.extensions["runtime"].unit_of_work() as uow:
        reads = uow.session.scalars(select(AccessLog).where(AccessLog.process_instance_id == case.id,
                                                            AccessLog.what == "web case page")).all()
        assert sorted((r.username, r.masked) for r in reads) == [("reviewer_cg", False), ("supervisor", True)]


def _colleague(app, username: str, groups: list[str]) -> None:
    """A second user of 城关镇 in the same group (the demo has one per group)."""
    with app.extensions["runtime"].unit_of_work() as uow:
        if uow.session.scalar(select(User).where(User.username == username)) is None:
            uow.session.add(User(username=username, display_name=username, password_hash=generate_password_hash(
                PASSWORD), org_path="/sfx/cg/", groups=groups))
            uow.commit()


def test_the_inbox_leaves_out_tasks_a_colleague_has_claimed(app, login_as, clock):
    _colleague(app, "investigator_cg2", ["investigator"])
    claimed, free = Case(login_as), Case(login_as)
    claimed.accept()
    free.accept()
    colleague = Web(app, "investigator_cg2")
    colleague.post(f"/inbox/tasks/{claimed.task('investigator_cg', 'home_visit')['id']}/claim")
    mine = {r["business_key"] for r in Web(app, "investigator_cg").inbox_rows(size=100)}
    assert free.business_key in mine and claimed.business_key not in mine
    assert claimed.business_key in {r["business_key"] for r in colleague.inbox_rows(size=100)}


def test_a_task_claimed_meanwhile_refuses_the_submission_but_keeps_what_was_typed(app, login_as, clock):
    _colleague(app, "window_cg2", ["window"])
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    Web(app, "window_cg2").post(f"/inbox/tasks/{task['id']}/claim")
    response = Web(app, "window_cg").post(f"/tasks/{task['id']}", {"action": "complete", "applicant_name": "李四"})
    assert response.status_code == 403
    assert "window_cg2" in response.text and field_value(response.text, "applicant_name") == "李四"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "inbox"])
def test_login_never_redirects_off_the_site(app, target):
    response = Web(app).post("/login", {"username": "finance", "password": PASSWORD, "next": target})
    assert response.location == "/"


def test_claiming_a_task_a_colleague_just_took_says_so_on_the_page_it_came_from(app, login_as, clock):
    _colleague(app, "window_cg2", ["window"])
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    Web(app, "window_cg2").post(f"/inbox/tasks/{task['id']}/claim")
    web = Web(app, "window_cg")
    response = web.client.post(f"/inbox/tasks/{task['id']}/claim", data={"csrf_token": web.token()},
                               headers={"Referer": "http://localhost/inbox?step=accept"})
    assert response.status_code == 302 and response.location == "/inbox?step=accept"
    assert "任务已由 window_cg2 认领" in web.get("/inbox", step="accept").text
    elsewhere = web.client.post(f"/inbox/tasks/{task['id']}/claim", data={"csrf_token": web.token()},
                                headers={"Referer": "http://evil.example/x"})
    assert elsewhere.location == "/inbox"


def test_claim_from_the_task_page_returns_to_it(app, login_as, clock):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    web = Web(app, "window_cg")
    page = web.get(f"/tasks/{task['id']}").text
    assert f'action="/inbox/tasks/{task["id"]}/claim"' in page and "认领此任务" in page
    back = f"/tasks/{task['id']}"
    assert web.post(f"/inbox/tasks/{task['id']}/claim", {"back": back}).location == back
    assert case.task("window_cg", "accept")["assignee"] == "window_cg"
    assert "认领此任务" not in web.get(back).text


def test_a_value_two_steps_recorded_under_one_label_is_listed_once_on_the_case(app, login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="全自理")
    case.complete("finance", "support_start", first_support_month="2026-10")  # decided 9/28: support from 10
    facts = Web(app, "window_cg").get(f"/cases/{case.id}").text.split('class="facts"')[1].split("</dl>")[0]
    assert facts.count("<dt>供养起始月份</dt>") == 1 and ">2026-10</dd>" in facts


def test_a_task_past_its_due_says_so_on_its_page(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")  # due 10/8: three working days after 受理 on 9/28
    web = Web(app, "investigator_cg")
    assert 'id="task-overdue"' not in web.get(f"/tasks/{task['id']}").text
    clock.set(clock.moment.replace(month=10, day=9))
    assert '<span class="badge overdue" id="task-overdue">已超期</span>' in web.get(f"/tasks/{task['id']}").text


def test_the_windows_intake_checkboxes_are_case_facts_only_when_ticked(app, login_as, clock):
    accepted, refused = Case(login_as), Case(login_as)
    accepted.accept()
    refused.accept(not_accepted=True, not_accepted_reason="户籍不在本镇")
    web = Web(app, "window_cg")

    def facts(case) -> str:
        return web.get(f"/cases/{case.id}").text.split('class="facts"')[1].split("</dl>")[0]

    assert "不予受理（" not in facts(accepted) and "已核实一户一档提示" not in facts(accepted)
    assert re.search(r'<dt>不予受理（[^<]*</dt><dd data-var="not_accepted">是</dd>', facts(refused))
