"""The 发放 pages: the run list, the review page with its exceptions first, 审核 then 复核 by another finance
user, and a new standard's impact; the case page shows the household's payments."""

import re

from tests.support.payroll_steps import Finance, Household, new_county
from tests.support.web_client import Web


def test_finance_reviews_and_a_second_user_confirms_on_the_review_page(app, client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    household = Household(login_as, county, applicant_name="王五").approve(amount=450.0)
    Household(login_as, county, township=1).approve(amount=300.0, account=None)  # no account: an exception
    run = finance.run("2026-10")
    web = Web(app, county.user("finance"))
    page = web.get(f"/payroll/runs/{run['id']}").text
    assert page.index('id="exceptions"') < page.index('id="by-township"')  # exceptions first
    assert "账户缺失或无效：<b>1</b>" in page and "缺少银行账号" in page
    assert web.post(f"/payroll/runs/{run['id']}/decide", {"decision": "approve"}).status_code == 302
    refused = web.post(f"/payroll/runs/{run['id']}/decide", {"decision": "confirm"})
    assert refused.status_code == 403 and "双人复核" in refused.text
    second = Web(app, county.user("finance2"))
    assert second.post(f"/payroll/runs/{run['id']}/decide", {"decision": "confirm"}).status_code == 302
    page = second.get(f"/payroll/runs/{run['id']}").text
    assert "已冻结" in page and "下载银行文件" in page and "上传回盘" in page
    assert run["businessKey"] in second.get("/payroll").text
    case_page = Web(app, county.user("window")).get(f"/cases/{household.id}").text
    assert re.search(r'id="payments".*2026-10.*450\.00.*已发往银行', case_page, re.S)
    audit_page = Web(app, county.user("auditor")).get(f"/auditor/cases/{household.id}").text
    assert re.search(r'id="payments".*2026-10.*450\.00.*已发往银行', audit_page, re.S)
    auditor = Web(app, county.user("auditor")).get(f"/payroll/runs/{run['id']}").text
    assert "张*" in auditor and "张三" not in auditor and "下载银行文件" not in auditor


def test_the_standard_page_shows_the_impact_and_only_the_designer_saves(app, login_as, runtime, clock):
    county = new_county(runtime)
    Household(login_as, county, per_capita_income=420.0, household_size=3).approve(amount=1140.0)
    query = {"county": county.code, "standard": "900", "month": "2026-11"}
    page = Web(app, county.user("finance")).get("/payroll/standard", **query).text
    assert "在保低保家庭 <b>1</b> 户" in page and "1,440.00" in page and "保存新标准并" not in page
    designer = Web(app, county.user("designer"))
    assert "保存新标准并重新核定 1 户" in designer.get("/payroll/standard", **query).text
    assert designer.post("/payroll/standard", {**query, "save": "1"}).status_code == 302
    assert "金额变化 <b>0</b> 户" in designer.get("/payroll/standard", **query).text
