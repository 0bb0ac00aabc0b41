"""A 低保 case walks through the web pages as five users, from 新建申请 to 发放."""

import os
import re
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import expect

from tests.support.browser import ARTIFACTS
from tests.support.dibao_steps import Case, unique_id_number
from tests.support.walks import household_verified, open_task, start_case

SCREENSHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"
CST = timezone(timedelta(hours=8))


def _submit(page):
    page.get_by_role("button", name="提交办理").click()
    page.wait_for_load_state()


def _start_and_accept(tab, business_key: str) -> str:
    case_id = start_case(tab, "dibao", "dongguan", business_key, shot="01-new-case")
    page = tab.page
    page.fill("input[name=applicant_name]", "张三")
    applicant = unique_id_number()
    page.fill("input[name=id_number]", applicant[:-1] + ("1" if applicant[-1] == "0" else "0"))  # a wrong check digit
    page.fill("input[name=household_size]", "3")
    page.fill("input[name=per_capita_income]", "420")
    page.check("input[name=pledge_signed]")
    expect(page.locator("[data-key=missing_materials]")).to_be_visible()
    page.check("input[name=materials_complete]")
    expect(page.locator("[data-key=missing_materials]")).to_be_hidden()  # conditional.hide follows the box
    _submit(page)
    expect(page.locator("[data-error-for=id_number]")).to_contain_text("校验")
    expect(page.locator("input[name=applicant_name]")).to_have_value("张三")  # nothing typed is lost
    expect(page.locator("input[name=household_size]")).to_have_value("3")
    expect(page.locator("input[name=materials_complete]")).to_be_checked()
    tab.shot("02-accept-with-errors")
    page.fill("input[name=id_number]", applicant)
    _submit(page)
    expect(page.locator(".flash-success")).to_contain_text("已完成「受理」")
    return case_id


def _home_visit(tab, business_key: str, overdue_key: str) -> None:
    page = tab.page
    page.goto(f"/inbox?q={overdue_key}")  # the desk's search: other tests' cases fill the first pages
    expect(page.locator(f"#inbox tr.overdue[data-business-key='{overdue_key}'] .badge.overdue")).to_have_text("已超期")
    page.goto(f"/inbox?q={business_key}")
    row = page.locator(f"#inbox tr[data-business-key='{business_key}']")
    expect(row).to_contain_text("待认领")
    expect(row.locator(".badge.due-soon")).to_have_text("即将到期")
    tab.shot("03-inbox")
    row.get_by_role("button", name="认领").click()
    expect(page.locator(f"#inbox tr[data-business-key='{business_key}']")).to_contain_text("我已认领")
    page = open_task(tab, business_key, "入户调查")
    page.fill("input[name=visitors]", "李四,王五")
    page.fill("input[name=visit_date]", "2026-09-29")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flash-success")).to_contain_text("草稿已保存")
    page.reload()
    expect(page.locator("input[name=visitors]")).to_have_value("李四,王五")  # the draft comes back
    page.fill("textarea[name=findings]", "家庭成员3人，无车辆，收入来源为零工")
    tab.shot("04-home-visit")
    _submit(page)
    expect(page.locator(".flash-success")).to_contain_text("已完成「入户调查」")


def _township_review(tab, business_key: str, case_id: str) -> None:
    page = open_task(tab, business_key, "初审")
    expect(page.locator("input[name=proposed_amount]")).to_be_hidden()
    page.get_by_label("拟同意").check()
    expect(page.locator("input[name=proposed_amount]")).to_have_value("1140")  # the 补差 the service computed
    tab.shot("05-township-review")
    _submit(page)
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#case-diagram[data-diagram-ready=true]")).to_have_count(1)
    expect(page.locator("g.djs-element.case-waiting[data-element-id=publicity]")).to_have_count(1)
    expect(page.locator("g.djs-element.case-done[data-element-id=township_review]")).to_have_count(1)
    tab.shot("06-case-in-publicity")
    tab.shot("06-case-in-publicity-screen", full_page=False)


def _fire_publicity(login_as, case_id: str) -> None:
    api = login_as("supervisor")
    jobs = api.get("/job", processInstanceId=case_id, activityId="publicity").json
    assert len(jobs) == 1, jobs
    assert api.post(f"/job/{jobs[0]['id']}/execute").status_code == 204


def _county_review(tab, business_key: str) -> None:
    page = open_task(tab, business_key, "审核确认")
    page.get_by_label("批准", exact=True).check()
    expect(page.locator("input[name=amount]")).to_have_value("1140")  # the township's proposal
    _submit(page)
    expect(page.locator(".flash-success")).to_contain_text("已完成「审核确认」")


def _payment(tab, business_key: str) -> None:
    page = open_task(tab, business_key, "发放")
    page.fill("input[name=first_payment_month]", "2026-10")  # approved on 10/9: not the month after
    _submit(page)
    expect(page.locator("[data-error-for=first_payment_month]")).to_contain_text("次月")
    page.fill("input[name=first_payment_month]", "2026-11")
    tab.shot("07-payment")
    _submit(page)
    expect(page.locator(".flash-success")).to_contain_text("已完成「发放」")


def test_a_dibao_case_walks_from_the_window_to_payment_in_the_browser(browse, login_as, clock):
    business_key = f"UI-{uuid.uuid4().hex[:8]}"
    clock.set(datetime(2026, 9, 14, 10, 0, tzinfo=CST))
    earlier = Case(login_as)
    earlier.accept()  # an earlier case: its visit was due 9/17 and is overdue by now
    clock.set(datetime(2026, 9, 28, 10, 0, tzinfo=CST))
    window = browse("window_cg", login=False)
    window.page.goto("/inbox")
    expect(window.page).to_have_url(re.compile(r"/login\?next=/inbox$"))
    window.shot("00-login")
    window.login()
    case_id = _start_and_accept(window, business_key)
    household_verified(login_as, case_id)
    clock.set(datetime(2026, 9, 29, 9, 30, tzinfo=CST))  # the visit is due 10/8: within two working days
    # on a tablet at the family's home
    _home_visit(browse("investigator_cg", portrait=True), business_key, earlier.business_key)
    clock.set(datetime(2026, 9, 30, 15, 0, tzinfo=CST))
    _township_review(browse("reviewer_cg"), business_key, case_id)
    clock.set(datetime(2026, 10, 8, 9, 0, tzinfo=CST))  # seven days of 公示 have passed
    _fire_publicity(login_as, case_id)
    clock.set(datetime(2026, 10, 9, 10, 0, tzinfo=CST))
    _county_review(browse("county_reviewer"), business_key)
    clock.set(datetime(2026, 10, 12, 10, 0, tzinfo=CST))
    _payment(browse("finance"), business_key)

    page = window.page
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#case-diagram[data-diagram-ready=true]")).to_have_count(1)
    for step in ("accept", "home_visit", "township_review", "publicity", "county_review", "payment"):
        expect(page.locator(f"g.djs-element.case-done[data-element-id={step}]")).to_have_count(1)
    expect(page.locator("#timeline li")).to_contain_text(["发起申请", "办理完成：受理"])
    window.shot("08-case-completed")
    page.locator("nav.menu").get_by_role("link", name="案件", exact=True).click()
    expect(page.locator("#cases")).to_be_visible()
    page.goto(f"/cases?q={business_key}")  # other tests' cases fill the list's first page
    expect(page.locator("#cases")).to_contain_text(business_key)
    window.shot("09-cases")
    page.get_by_role("button", name="退出").click()
    expect(page.locator("h1")).to_have_text("登录")
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the README's pictures on demand, not on every run
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / "03-inbox.png", SCREENSHOTS / "inbox.png")
        shutil.copy(ARTIFACTS / "06-case-in-publicity-screen.png", SCREENSHOTS / "case.png")
