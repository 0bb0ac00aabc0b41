"""Steps the browser walks share: a desk opening a case's task from the inbox, submitting a step, the window
starting a case, and the household-data matching system answering (a machine: over the engine API)."""

import re

from playwright.sync_api import expect

from tests.conftest import typed


def open_task(tab, business_key: str, step_name: str):
    """Open the case's task at `step_name` from the inbox; return the page."""
    page = tab.page
    page.goto(f"/inbox?q={business_key}")  # the desk's search: other tests' cases fill the first pages
    row = page.locator(f"#inbox tr[data-business-key='{business_key}']", has_text=step_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="办理").click()
    expect(page.locator("h1")).to_have_text(step_name)
    return page


def submit_step(page, step_name: str) -> None:
    page.get_by_role("button", name="提交办理").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已完成「{step_name}」")


def start_case(tab, key: str, village: str, business_key: str, shot: str | None = None) -> str:
    """新建申请 of process `key` in `village`; return the case id, with the 受理 form open."""
    page = tab.page
    page.get_by_role("link", name="新建申请").click()
    if shot:
        tab.shot(shot)
    page.check(f"input[name=process][value={key}]")
    page.select_option("select[name=village]", village)
    page.fill("input[name=business_key]", business_key)
    page.get_by_role("button", name="受理并开始办理").click()
    expect(page.locator("h1")).to_have_text("受理")
    return re.search(r"/cases/([0-9a-f-]{36})", page.locator("#case-link").get_attribute("href"))[1]


def household_verified(login_as, case_id: str) -> None:
    """The household-data matching system answers 'matched' for the case (it has no web page)."""
    api = login_as("verifier")
    locked = api.post("/external-task/fetchAndLock", {"workerId": "ui-walk", "maxTasks": 100, "topics": [
        {"topicName": "household-verification", "lockDuration": 60000}]}).json
    mine = [t for t in locked if t["processInstanceId"] == case_id]
    assert len(mine) == 1, locked
    done = api.post(f"/external-task/{mine[0]['id']}/complete",
                    {"workerId": "ui-walk", "variables": typed(verification_result="matched")})
    assert done.status_code == 204, done.json
