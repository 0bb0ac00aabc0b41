"""The case worker's pages work with JavaScript off: only the diagram needs it."""

import uuid

from playwright.sync_api import expect

from tests.support.dibao_steps import unique_id_number


def test_a_case_is_started_accepted_and_shown_with_javascript_off(browse, clock):
    tab = browse("window_cg", javascript=False)
    page = tab.page
    page.goto("/cases/new")
    page.check("input[name=process][value=dibao]")
    key = f"NOJS-{uuid.uuid4().hex[:8]}"
    page.fill("input[name=business_key]", key)
    page.get_by_role("button", name="受理并开始办理").click()
    expect(page.locator("h1")).to_have_text("受理")
    expect(page.locator("[data-key=missing_materials]")).to_be_visible()  # no script hides it: all fields show
    page.fill("input[name=applicant_name]", "王五")
    page.fill("input[name=household_size]", "2")
    page.fill("input[name=per_capita_income]", "300")
    page.check("input[name=pledge_signed]")
    page.check("input[name=materials_complete]")
    page.fill("textarea[name=missing_materials]", "（无）")  # hidden by the form's rule: the server ignores it
    page.get_by_role("button", name="提交办理").click()
    expect(page.locator("[data-error-for=id_number]")).to_contain_text("必填")
    expect(page.locator("input[name=applicant_name]")).to_have_value("王五")
    page.fill("input[name=id_number]", unique_id_number())
    page.get_by_role("button", name="提交办理").click()
    expect(page.locator(".flash-success")).to_contain_text("已完成「受理」")
    page.goto(f"/cases?q={key}")
    page.get_by_role("link", name=key).click()
    expect(page.locator("#case-diagram noscript, #case-diagram .message").first).to_be_attached()
    expect(page.locator("#timeline")).to_contain_text("办理完成：受理")
    expect(page.locator("#history")).to_contain_text("受理")
    tab.shot("10-case-without-javascript")
