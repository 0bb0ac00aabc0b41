"""The roll review page in Chromium: a month with a new household, a changed amount, a back pay, a missing
account and a stopped household, reviewed by finance and confirmed by a second finance user."""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import expect

from tests.support.browser import ARTIFACTS, watch_errors
from tests.support.payroll_steps import Finance, Household, new_county

SCREENSHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"


def test_finance_reviews_the_exceptions_first_and_a_second_user_freezes_the_roll(browse, client, login_as,
                                                                                   runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    names = iter(["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊"])
    kept = Household(login_as, county, applicant_name=next(names)).approve(amount=640.0)
    changing = Household(login_as, county, applicant_name=next(names)).approve(amount=450.0)
    stopping = Household(login_as, county, township=1, applicant_name=next(names), household_size=1).approve(
        amount=380.0)
    finance.paid("2026-10")
    clock.set(datetime(2026, 10, 12, 2, 0, tzinfo=UTC))
    changing.recheck(income=500.0, recheck_result="change", amount=300.0, reason="家庭收入增加")
    stopping.recheck(recheck_result="stop", reason="收入超过标准")
    Household(login_as, county, township=1, applicant_name=next(names)).approve(amount=520.0, account=None)
    Household(login_as, county, applicant_name=next(names)).approve(amount=410.0)
    clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    run = finance.run("2026-11")
    assert kept.id

    tab = browse(county.user("finance"))
    page = tab.page
    errors = watch_errors(page)
    page.goto(f"/payroll/runs/{run['id']}")
    expect(page.locator("#exception-lines tbody tr")).to_have_count(4)  # 2 new (1 without account), changed, stopped
    expect(page.locator("#exceptions")).to_contain_text("停发")
    tab.shot("payroll-review")
    page.get_by_label("审核通过，提交另一位财政人员复核").check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".flash")).to_contain_text("等待另一位财政人员复核")

    second = browse(county.user("finance2"))
    second.page.goto(f"/payroll/runs/{run['id']}")
    second.page.get_by_label("复核确认，冻结名册").check()
    second.page.get_by_role("button", name="提交").click()
    expect(second.page.locator("#run-totals")).to_contain_text("已冻结")
    expect(second.page.locator("#bank")).to_contain_text("下载银行文件")
    second.shot("payroll-frozen")
    assert errors == []
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / "payroll-review.png", SCREENSHOTS / "payroll_review.png")
