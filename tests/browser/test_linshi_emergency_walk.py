"""A 临时救助 急难 case walks through the pages as four users: the window takes it in, the township pays first
(先行救助), the documentation afterwards (事后补充说明) runs late, the supervisor fires its overdue timer from the
timers page and urges it on, the window documents, and the auditor finds the case by the applicant's name."""

import re
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests.support.browser import watch_errors
from tests.support.dibao_steps import unique_id_number
from tests.support.walks import open_task, start_case, submit_step

CST = timezone(timedelta(hours=8))


def _accept(tab, clock, business_key: str, id_number: str) -> str:
    case_id = start_case(tab, "linshi", "xiguan", business_key)
    page = tab.page
    clock.advance(minutes=12)  # the time it takes to take the family's details down
    page.fill("input[name=applicant_name]", "赵桂兰")
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=address]", "城关镇西关村三组12号")
    page.get_by_label("急难型（先行救助、事后补充说明）").check()
    page.fill("input[name=amount]", "3000")
    page.fill("textarea[name=reason]", "凌晨突发火灾，住房及家当烧毁，一家三口无处栖身")
    tab.shot("linshi-01-accept")
    submit_step(page, "受理")
    return case_id


def _pay_first(tab, business_key: str) -> None:
    page = tab.page
    page.goto("/inbox")
    expect(page.locator("#inbox tbody tr").first.locator(".badge.urgent")).to_have_text("急难")  # 急难 come first
    page.goto(f"/inbox?q={business_key}")
    row = page.locator(f"#inbox tr[data-business-key='{business_key}']")
    expect(row.locator(".badge.urgent")).to_have_text("急难")
    expect(row).to_contain_text("赵桂兰")
    expect(row).to_contain_text("西关村")
    tab.shot("linshi-02-inbox")
    page = open_task(tab, business_key, "先行救助")
    expect(page.locator("input[name=paid_amount]")).to_have_value("3000")  # the amount asked
    expect(page.locator("input[name=paid_at]")).to_have_value("2026-09-28")  # today
    expect(page.locator("[data-var=kind]")).to_contain_text("急难型")
    tab.shot("linshi-03-emergency-payment")
    submit_step(page, "先行救助")


def _escalate_overdue_documentation(tab, business_key: str) -> None:
    page = tab.page
    page.goto("/supervisor")
    page.get_by_role("link", name="等待中的计时").click()
    tabs = page.locator("nav.tabs a")
    first, second = tabs.nth(0).bounding_box(), tabs.nth(1).bounding_box()
    assert first["x"] + first["width"] < second["x"], (first, second)  # the process tabs stand apart
    page.locator("nav.tabs").get_by_role("link", name="临时救助").click()
    page.get_by_label("业务编号").fill(business_key)  # other cases' timers fill the first pages
    page.get_by_role("button", name="查找").click()
    row = page.locator(f"#timers tr[data-business-key='{business_key}']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("补充说明逾期")
    expect(row).to_contain_text("2026-10-10 23:59")  # 5 working days after the payment, 国庆 skipped
    tab.shot("linshi-04-timers")
    row.get_by_role("button", name="立即触发").click()
    expect(page.locator(".flash-success")).to_contain_text("已立即触发")
    expect(page.get_by_label("业务编号")).to_have_value(business_key)  # back on the same search
    expect(page.locator(f"#timers tr[data-business-key='{business_key}']")).to_have_count(0)
    page = open_task(tab, business_key, "督办事后补充")
    late = page.locator("#task-form")  # what is late, since when, by what rule
    expect(late).to_contain_text("先行救助已于 2026-09-28 发放 3000 元")
    expect(late).to_contain_text("应在发放后 5 个工作日内由受理窗口补齐，现已逾期")
    page.fill("textarea[name=comment]", "请城关镇两日内补齐签字手续")
    submit_step(page, "督办事后补充")


def _document(tab, business_key: str) -> None:
    page = tab.page
    page.goto(f"/inbox?q={business_key}")
    expect(page.locator(f"#inbox tr.overdue[data-business-key='{business_key}'] .badge.overdue")).to_have_text("已超期")
    page = open_task(tab, business_key, "事后补充说明")
    expect(page.locator("#task-overdue")).to_have_text("已超期")  # on the page too, not only in the inbox
    expect(page.locator("input[name=who]")).to_have_value("赵桂兰")  # what the window took in, not typed again
    expect(page.locator("textarea[name=why]")).to_have_value(re.compile("^凌晨突发火灾"))
    expect(page.locator("input[name=how_much]")).to_have_value("3000")  # what was paid first
    expect(page.locator("[data-var=comment]")).to_have_text("请城关镇两日内补齐签字手续")  # the supervisor's words
    page.fill("input[name=who]", "赵桂兰；经办人城关镇民政办张强")
    tab.shot("linshi-05-documentation")
    page.check("input[name=signatures_complete]")
    submit_step(page, "事后补充说明")


def _case_page(tab, case_id: str) -> None:
    page = tab.page
    errors = watch_errors(page)
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#case-diagram[data-diagram-ready=true]")).to_have_count(1)
    for step in ("accept", "emergency_payment", "post_documentation", "emergency_end"):
        expect(page.locator(f"g.djs-element.case-done[data-element-id={step}]")).to_have_count(1)
    expect(page.locator("h1 .badge")).to_have_text("已办结")
    steps = page.locator("#history tbody td:first-child").all_inner_texts()
    assert steps[0] == "申请临时救助" and "主动发现" not in "".join(steps), steps
    assert steps.index("受理") < steps.index("先行救助") < steps.index("事后补充说明"), steps
    assert not {"入户调查", "公示期满（7日）", "民主评议"} & set(steps), steps  # pay first: no 调查, no 公示
    expect(page.locator("#timeline li")).to_contain_text(["发起申请", "办理完成：受理", "办理完成：先行救助",
                                                          "计时到期：补充说明逾期", "办理完成：督办事后补充",
                                                          "办理完成：事后补充说明"])
    tab.shot("linshi-06-case")
    assert errors == []


def _audit(tab, business_key: str) -> None:
    page = tab.page
    page.goto("/auditor")
    page.get_by_label("业务编号、申请人姓名或身份证号码").fill("赵桂兰")
    page.get_by_role("button", name="查找").click()
    row = page.locator(f"#audit-cases tr[data-business-key='{business_key}']")
    expect(row.locator(".applicant")).to_have_text("赵**")  # found by name, shown masked
    expect(row).to_contain_text("城关镇受理窗口")
    row.get_by_role("link", name="审计记录").click()
    expect(page.locator("#verdict .verdict-ok")).to_be_visible()
    paid = page.locator("#timeline li", has_text="办理完成：先行救助")
    expect(paid.locator("b")).to_contain_text("城关镇审核")
    expect(paid.locator("tr", has_text="先行救助金额（元）")).to_contain_text("3000")
    fired = page.locator("#timeline li", has_text="计时到期：补充说明逾期")
    expect(fired.locator("b")).to_contain_text("县民政局督导")  # fired from the timers page, by that supervisor
    tab.shot("linshi-07-audit")


def test_an_emergency_is_paid_first_and_documented_afterwards_in_the_browser(browse, login_as, clock):
    business_key = f"UI-JN-{uuid.uuid4().hex[:8]}"
    clock.set(datetime(2026, 9, 28, 16, 0, tzinfo=CST))  # Monday afternoon: a family burnt out that morning
    window = browse("window_cg")
    case_id = _accept(window, clock, business_key, unique_id_number())
    clock.set(datetime(2026, 9, 28, 16, 40, tzinfo=CST))
    _pay_first(browse("reviewer_cg"), business_key)
    clock.set(datetime(2026, 10, 12, 9, 0, tzinfo=CST))  # the documentation was due Saturday 10/10 (调休)
    _escalate_overdue_documentation(browse("supervisor"), business_key)
    clock.set(datetime(2026, 10, 12, 10, 30, tzinfo=CST))
    _document(window, business_key)
    _case_page(window, case_id)
    _audit(browse("auditor"), business_key)
