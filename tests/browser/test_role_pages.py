"""The supervisor's heatmap, the auditor's replay and the form editor render in Chromium (with screenshots)."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import watch_errors
from tests.support.dibao_steps import Case

pytestmark = pytest.mark.usefixtures("bundles_built")


def test_the_supervisor_sees_waiting_cases_as_counts_on_the_diagram(browse, login_as, clock):
    Case(login_as).accept()
    tab = browse("supervisor")
    page = tab.page
    errors = watch_errors(page)
    page.goto("/supervisor?process=dibao")
    expect(page.locator("#heatmap-diagram")).to_have_attribute("data-diagram-ready", "true")
    badge = page.locator(".djs-overlay-case-count .case-count").first
    expect(badge).to_be_visible()
    counts = dict(zip(page.locator("#waiting-counts td:first-child").all_inner_texts(),
                      page.locator("#waiting-counts td:nth-child(2)").all_inner_texts(), strict=True))
    shown = page.locator(".djs-overlays[data-container-id='home_visit'] .case-count")
    expect(shown).to_have_text(counts["入户调查"])
    expect(page.locator(".bjs-powered-by")).to_be_visible()
    tab.shot("supervisor-dashboard")
    assert errors == []


def test_the_auditor_replays_a_case_with_where_it_waited_marked(browse, login_as, clock):
    case = Case(login_as)
    case.accept()
    tab = browse("auditor")
    page = tab.page
    errors = watch_errors(page)
    page.goto(f"/auditor?q={case.business_key}")
    page.get_by_role("link", name="审计记录").click()
    expect(page.locator("#verdict .verdict-ok")).to_be_visible()
    tab.shot("auditor-case")
    page.get_by_role("link", name="逐步重放").click()
    expect(page.locator("#replay-diagram")).to_have_attribute("data-diagram-ready", "true")
    expect(page.locator(".djs-element.case-waiting[data-element-id='accept']")).to_have_count(1)
    page.get_by_role("link", name="下一步 →").click()
    expect(page).to_have_url(re.compile(r"/events/2$"))
    expect(page.locator(".djs-element.case-waiting[data-element-id='home_visit']")).to_have_count(1)
    expect(page.locator(".djs-element.case-done[data-element-id='accept']")).to_have_count(1)
    tab.shot("auditor-replay")
    assert errors == []


def test_the_form_editor_opens_a_deployed_form(browse):
    tab = browse("designer")
    page = tab.page
    errors = watch_errors(page)
    page.goto("/designer")
    tab.shot("designer-index")
    page.locator("#forms tr[data-key='dibao_accept']").get_by_role("link", name="编辑表单").click()
    expect(page.locator("#form-editor")).to_have_attribute("data-form-editor-ready", "true")
    expect(page.locator(".fjs-editor-container")).to_be_visible()
    tab.shot("designer-form-editor")
    assert errors == []
