"""The window takes in a household on a tablet held upright: members typed row by row (添加一行), the household's
size and per-capita income shown as they are typed, a photo of the 户口簿 attached from the camera input."""

import io
import os
import shutil
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import watch_errors
from tests.support.dibao_steps import Case, unique_id_number


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


def _member(page, row: int, name: str, id_number: str, relation: str, income: str, capacity: str) -> None:
    prefix = f"household_members[{row}]"
    page.fill(f"input[name='{prefix}.member_name']", name)
    page.fill(f"input[name='{prefix}.member_id_number']", id_number)
    page.select_option(f"select[name='{prefix}.member_relation']", relation)
    page.fill(f"input[name='{prefix}.member_income']", income)
    page.select_option(f"select[name='{prefix}.member_work_capacity']", capacity)


def test_a_household_is_taken_in_on_a_portrait_tablet(browse, login_as):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    tab = browse("window_cg", portrait=True)
    page = tab.page
    errors = watch_errors(page)
    page.goto(f"/tasks/{task['id']}")
    expect(page.locator("[data-rows='household_members'] tr")).to_have_count(3)
    page.get_by_role("button", name="添加一行").click()
    page.get_by_role("button", name="添加一行").click()
    expect(page.locator("[data-rows='household_members'] tr")).to_have_count(5)
    applicant = unique_id_number()
    page.fill("input[name=applicant_name]", "张三")
    page.fill("input[name=id_number]", applicant)
    page.fill("input[name=address]", "城关镇东关社区幸福路 12 号")
    _member(page, 0, "张三", applicant, "本人", "900", "有劳动能力")
    _member(page, 4, "张小三", unique_id_number(2016), "子女", "0", "未成年或在校")
    expect(page.locator("input[name=household_size]")).to_have_value("2")
    expect(page.locator("input[name=per_capita_income]")).to_have_value("450")
    page.set_input_files("input[name=file][capture]", files=[{"name": "户口簿.jpg", "mimeType": "image/jpeg",
                                                              "buffer": _photo()}])
    page.get_by_role("button", name="上传照片").click()
    expect(page.locator("#attachments [role=status]")).to_contain_text("已上传附件「户口簿.jpg」")
    expect(page.locator("input[name='household_members[4].member_name']")).to_have_value("张小三")  # kept
    expect(page.locator("#attachments img.thumb")).to_have_count(1)
    page.locator("#attachments img.thumb").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#attachments img.thumb').naturalWidth === 320")
    tab.shot("intake-tablet-portrait")
    page.locator("#f-household_members").scroll_into_view_if_needed()
    shot = tab.shot("intake-tablet-members", full_page=False)
    if os.environ.get("UPDATE_SCREENSHOTS"):  # the README's picture, refreshed on demand
        shutil.copy(shot, Path(__file__).parents[2] / "docs" / "screenshots" / "task_tablet.png")
    assert errors == []
