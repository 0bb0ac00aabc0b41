"""The auditor finds an archived case by its business key, verifies it from its archive file, and opens its page,
which says where it went (in Chromium, with screenshots)."""

import uuid

from playwright.sync_api import expect

from app.store.tables import ArchivedCase
from tests.conftest import Api
from tests.support.archiving import finished_case
from tests.support.browser import watch_errors
from tests.support.deployments import deploy_files, window_process

KEY = "archive_browsed"


def test_the_auditor_finds_verifies_and_opens_an_archived_case(app, client, browse, clock, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "HISTORY_ARCHIVE_DIR", str(tmp_path))
    assert deploy_files(Api(client, "designer"), {"a.bpmn": window_process(KEY, "档案短期", "P30D")}).status_code == 200
    business_key = f"DB-ARCH-{uuid.uuid4().hex[:6].upper()}"
    case_id = finished_case(client, KEY, "window_cg", business_key)
    clock.advance(days=31)
    done = app.test_cli_runner().invoke(args=["history-cleanup", "--county", "sfx"])
    assert done.exit_code == 0, done.output
    with app.extensions["runtime"].reading() as uow:
        archive = uow.session.get(ArchivedCase, case_id).archive

    tab = browse("auditor")
    page = tab.page
    errors = watch_errors(page)
    page.goto("/auditor")
    page.get_by_label("业务编号、申请人姓名或身份证号码").fill(business_key)
    page.get_by_role("button", name="查找").click()
    row = page.locator(f"#archived-found tr[data-case='{case_id}']")
    expect(row).to_contain_text(archive)
    tab.shot("auditor-archived-found")
    row.get_by_role("link", name="按档案文件校验").click()
    expect(page.locator("#verdict .verdict-ok")).to_contain_text("档案文件签名有效")
    tab.shot("auditor-archived-verified")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#archived-file")).to_have_text(archive)
    expect(page.locator("#archived-business-key")).to_have_text(business_key)
    tab.shot("archived-case-page")
    assert errors == []
