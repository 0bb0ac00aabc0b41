"""A 特困 case walks through the pages as each role's day has it: the window takes in an old man living alone,
the investigator visits him with a tablet held upright (a photo from its camera), the township reviews, the
公示 ends, the county confirms with a spot check, finance starts the support, the window hands over the notice;
the supervisor watches the case's timers and overdue work, the auditor reads its timeline, the designer opens
the process in the modeler."""

import io
import os
import re
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import watch_errors
from tests.support.dibao_steps import unique_id_number
from tests.support.walks import household_verified, open_task, start_case, submit_step

CST = timezone(timedelta(hours=8))
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
NAME = "孙德福"

pytestmark = pytest.mark.usefixtures("bundles_built")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 150, 110)).save(out, "JPEG")
    return out.getvalue()


def _accept(tab, clock, business_key: str, id_number: str) -> str:
    case_id = start_case(tab, "tekun", "dongguan", business_key)
    page = tab.page
    clock.advance(minutes=15)
    page.fill("input[name=applicant_name]", NAME)
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=address]", "城关镇东关社区北街7号")
    page.fill("input[name=age]", "81")
    page.get_by_label("无劳动能力").check()
    page.select_option("select[name=disability_grade]", label="二级")
    page.fill("input[name=income]", "0")
    tab.shot("tekun-01-accept", full_page=False)
    submit_step(page, "受理")
    return case_id


def _investigate(tab, business_key: str) -> None:
    page = tab.page
    page.goto(f"/inbox?q={business_key}")
    row = page.locator(f"#inbox tr[data-business-key='{business_key}']")
    expect(row.locator("td.applicant")).to_be_visible()  # upright, the name and the village stay on the row
    expect(row.locator("td.applicant")).to_contain_text(NAME)
    expect(row.get_by_text("东关社区")).to_be_visible()
    tab.shot("tekun-02-inbox-portrait")
    page = open_task(tab, business_key, "调查")
    page.fill("input[name=visitors]", "李四,王五")
    page.fill("textarea[name=findings]", "独居，双下肢残疾，无收入，无法定赡养人；邻居证实长期由村里照看")
    camera = page.locator("label.file-pick", has=page.locator("input[capture]"))
    expect(camera.locator(".file-button")).to_have_text("拍照或选择照片")  # not the browser's "Choose File"
    expect(camera.locator("[data-file-name]")).to_have_text("未选择")
    page.set_input_files("input[name=file][capture]", files=[{"name": "居住情况.jpg", "mimeType": "image/jpeg",
                                                              "buffer": _photo()}])
    expect(camera.locator("[data-file-name]")).to_have_text("已选择：居住情况.jpg")
    page.get_by_role("button", name="上传照片").click()
    expect(page.locator("#attachments [role=status]")).to_contain_text("已上传附件「居住情况.jpg」")
    expect(page.locator("#attachments [data-file-name]").first).to_have_text("未选择")  # a fresh form again
    submit_step(page, "调查")


def _review(tab, business_key: str) -> None:
    page = open_task(tab, business_key, "初审")
    photo = page.locator("#attachments li", has_text="居住情况.jpg")  # the visit's photo, where the decision is made
    expect(photo.locator("img.thumb")).to_have_count(1)
    expect(photo).to_contain_text("调查 · 城关镇调查员")
    reason = page.locator("[data-key=reason]")
    expect(reason).to_be_hidden()  # nothing chosen yet: no reason to give
    page.get_by_label("拟不同意").check()
    expect(reason).to_be_visible()
    page.get_by_label("拟同意").check()
    expect(reason).to_be_hidden()
    expect(page.locator("[data-key=appraisal_needed]")).to_be_visible()
    tab.shot("tekun-03-review", full_page=False)
    submit_step(page, "初审")


def _fire(login_as, case_id: str, activity: str) -> None:
    api = login_as("supervisor")
    jobs = api.get("/job", processInstanceId=case_id, activityId=activity).json
    assert len(jobs) == 1, jobs
    assert api.post(f"/job/{jobs[0]['id']}/execute").status_code == 204


def _supervise(tab, business_key: str) -> None:
    page = tab.page
    page.goto("/supervisor")
    page.locator("nav.tabs").get_by_role("link", name="特困人员认定").click()
    late = page.locator("#late-by-step tbody tr", has_text="城关镇").filter(has_text="认定")
    expect(late.locator(".badge")).not_to_have_text("0")  # the county's 15 working days ran out on 11/6
    tab.shot("tekun-04-supervisor", full_page=False)
    page.get_by_role("link", name="等待中的计时").click()
    page.locator("nav.tabs").get_by_role("link", name="特困人员认定").click()
    page.get_by_label("业务编号").fill(business_key)
    page.get_by_role("button", name="查找").click()
    rows = page.locator(f"#timers tr[data-business-key='{business_key}']")
    expect(rows.locator("td:nth-child(3)")).to_have_text(["认定逾期", "超过办结时限（认定）"])
    expect(rows.first).to_contain_text("2026-11-06 23:59")
    tab.shot("tekun-05-timers", full_page=False)


def _confirm(tab, business_key: str) -> None:
    page = open_task(tab, business_key, "认定")
    expect(page.locator("[data-key=reason]")).to_be_hidden()
    expect(page.locator("[data-key=support_type]")).to_be_hidden()
    page.get_by_label("认定", exact=True).check()
    expect(page.locator("[data-key=support_type]")).to_be_visible()
    page.get_by_label("分散供养").check()
    page.get_by_label("全护理").check()
    page.check("input[name=spot_checked]")
    page.fill("input[name=spot_check_visitors]", "周九,吴十")
    expect(page.locator("textarea[name=spot_check_findings]")).to_have_value(re.compile("^独居"))  # the visit's
    page.fill("textarea[name=spot_check_findings]", "入户抽查属实，卧床需全护理")
    tab.shot("tekun-06-confirmation", full_page=False)
    submit_step(page, "认定")


def _start_support(tab, business_key: str) -> None:
    page = open_task(tab, business_key, "开始供养")
    expect(page.locator("input[name=first_support_month]")).to_have_value("2026-12")  # the month after 认定
    expect(page.locator("[data-var=support_amount]")).to_have_text("2040")  # 1040 基本生活 + 1000 全护理
    tab.shot("tekun-07-support", full_page=False)
    submit_step(page, "开始供养")


def _hand_over(tab, business_key: str) -> None:
    page = open_task(tab, business_key, "送达批准通知书")
    notice = page.locator("#handover-notice")
    expect(notice).to_contain_text("认定为特困人员")
    expect(notice).to_contain_text("每月 2040.00 元")
    expect(notice).to_contain_text("自2026年12月起")
    tab.shot("tekun-08-notice", full_page=False)
    page.check("input[name=notice_delivered]")
    submit_step(page, "送达批准通知书")


def _audit(tab, business_key: str, id_number: str) -> Path:
    page = tab.page
    page.goto("/auditor")
    page.get_by_label("业务编号、申请人姓名或身份证号码").fill(id_number)
    page.get_by_role("button", name="查找").click()
    row = page.locator(f"#audit-cases tr[data-business-key='{business_key}']")
    expect(row.locator(".applicant")).to_have_text("孙**")
    row.get_by_role("link", name="审计记录").click()
    expect(page.locator("#verdict .verdict-ok")).to_be_visible()
    visit = page.locator("#timeline li", has_text="办理完成：调查")
    expect(visit.locator("b")).to_contain_text("城关镇调查员")  # the visit's findings on the visit, by its visitor
    expect(visit.locator("tr", has_text="调查情况")).to_contain_text("独居，双下肢残疾")
    photo = page.locator("#timeline li", has_text="添加附件：调查")
    expect(photo.locator("tr", has_text="附件")).to_contain_text("居住情况.jpg")
    confirmed = page.locator("#timeline li", has_text="办理完成：认定")
    expect(confirmed.locator("tr", has_text="生活自理能力")).to_contain_text("全护理")
    page.locator("#timeline li", has_text="办理完成：认定").scroll_into_view_if_needed()
    return tab.shot("tekun-09-audit-screen", full_page=False)


ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _panel_titles(page, element_id: str) -> list[str]:
    page.evaluate("id => { const m = window.currentModeler; m.get('selection').select(m.get('elementRegistry')"
                  ".get(id)); }", element_id)
    expect(page.locator("#properties .bio-properties-panel-header-label")).to_have_text(re.compile(".+"))
    return page.locator("#properties .bio-properties-panel-group-header-title").all_inner_texts()


def _design(tab) -> Path:
    page = tab.page
    errors = watch_errors(page)
    page.goto("/designer")
    row = page.locator("#processes tr[data-key='tekun']")
    row.get_by_role("link", name="编辑").click()
    expect(page.locator("#canvas")).to_have_attribute("data-modeler-ready", "true")
    expect(page.locator("#lint-status")).to_have_attribute("data-lint-errors", "0")  # every flow is drawn
    expect(page.locator("#lint-status")).to_contain_text("0 个错误")
    palette = page.locator(".djs-palette").bounding_box()
    first = page.locator(".djs-element[data-element-id='start']").bounding_box()
    assert palette["x"] + palette["width"] < first["x"], (palette, first)  # the palette covers no element
    english = []  # (element, group title) the panel shows in English
    for element in ("accept", "verify", "refer_needs", "publicity", "investigation_late", "decision"):
        english += [(element, t) for t in _panel_titles(page, element) if ENGLISH.search(t)]
    page.evaluate("() => window.currentModeler.get('selection').select("
                  "window.currentModeler.get('canvas').getRootElement())")  # the process itself
    titles = page.locator("#properties .bio-properties-panel-group-header-title").all_inner_texts()
    english += [("tekun", t) for t in titles if ENGLISH.search(t)]
    assert english == [], english
    shot = tab.shot("tekun-10-modeler", full_page=False)
    assert errors == []
    return shot


def test_a_tekun_case_walks_through_each_roles_day_in_the_browser(browse, login_as, clock):
    business_key = f"UI-TK-{uuid.uuid4().hex[:8]}"
    id_number = unique_id_number(born="19451015")  # 81 on the day he applies
    clock.set(datetime(2026, 9, 28, 9, 30, tzinfo=CST))
    case_id = _accept(browse("window_cg"), clock, business_key, id_number)
    household_verified(login_as, case_id)
    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=CST))
    _investigate(browse("investigator_cg", portrait=True), business_key)
    clock.set(datetime(2026, 10, 9, 15, 0, tzinfo=CST))
    _review(browse("reviewer_cg"), business_key)
    clock.set(datetime(2026, 10, 17, 9, 0, tzinfo=CST))
    _fire(login_as, case_id, "publicity")
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=CST))
    _supervise(browse("supervisor"), business_key)
    _confirm(browse("county_reviewer"), business_key)
    clock.set(datetime(2026, 11, 10, 9, 0, tzinfo=CST))
    _start_support(browse("finance"), business_key)
    _hand_over(browse("window_cg"), business_key)
    audit = _audit(browse("auditor"), business_key, id_number)
    modeler = _design(browse("designer"))
    if os.environ.get("UPDATE_SCREENSHOTS"):  # the README's pictures, refreshed on demand
        shutil.copy(audit, SCREENSHOTS / "auditor.png")
        shutil.copy(modeler, SCREENSHOTS / "modeler.png")
