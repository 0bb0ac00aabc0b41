"""The designer edits a deployed process in the bpmn-js modeler and deploys it as a new version."""

import io
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import watch_errors

PROCESS = (Path(__file__).parent.parent / "fixtures" / "designer_review.bpmn").read_text(encoding="utf-8")


pytestmark = pytest.mark.usefixtures("bundles_built")


def _deploy_test_process(login_as) -> str:
    key = f"ui_{uuid.uuid4().hex[:8]}"
    data = {"deployment-name": key, "data": (io.BytesIO(PROCESS.format(key=key).encode()), f"{key}.bpmn")}
    response = login_as("designer").post("/deployment/create", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return key


def _open_modeler(tab, key: str):
    page = tab.page
    tab.errors = watch_errors(page)
    page.goto("/designer")
    row = page.locator(f"#processes tr[data-key='{key}']")
    expect(row.locator(".latest-version")).to_have_text("第 1 版")
    row.get_by_role("link", name="编辑").click()
    expect(page.locator("#canvas")).to_have_attribute("data-modeler-ready", "true")
    page.click(".djs-element[data-element-id='review']", force=True)
    expect(page.locator("#bio-properties-panel-name")).to_have_value("初审")
    return page


def _open_group(page, group_id: str) -> None:
    """Unfold a group of the properties panel (they start folded)."""
    header = page.locator(f".bio-properties-panel-group[data-group-id='group-{group_id}'] "
                          ".bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or "").split():
        header.click()


def _definition(login_as, key: str) -> dict:
    api = login_as("designer")
    latest = api.get(f"/process-definition/key/{key}").get_json()
    latest["xml"] = api.get(f"/process-definition/key/{key}/xml").get_json()["bpmn20Xml"]
    return latest


def test_designer_renames_a_task_and_changes_its_group_then_deploys_a_new_version(browse, login_as):
    key = _deploy_test_process(login_as)
    tab = browse("designer")
    page = _open_modeler(tab, key)
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # bpmn.io's watermark stays, as its license asks
    expect(page.locator("#lint-status")).to_have_attribute("data-lint-issues", "0")
    palette = page.locator(".djs-palette").bounding_box()
    first = page.locator(".djs-element[data-element-id='start']").bounding_box()
    assert palette["x"] + palette["width"] < first["x"], (palette, first)  # the palette covers no element
    _open_group(page, "general")
    page.fill("#bio-properties-panel-name", "镇街初审")
    _open_group(page, "CamundaPlatform__UserAssignment")
    expect(page.locator("#bio-properties-panel-candidateGroups")).to_have_attribute("list", "role-groups")
    expect(page.locator("#properties")).to_contain_text("候选组（角色）")
    expect(page.locator("#properties")).not_to_contain_text("Candidate groups")
    expect(page.locator("#role-groups option[value='county_reviewer']")).to_have_attribute("label", "县民政局")
    page.fill("#bio-properties-panel-candidateGroups", "county_reviewer")
    page.wait_for_function("() => window.currentModeler.get('elementRegistry').get('review')"
                           ".businessObject.get('camunda:candidateGroups') === 'county_reviewer'")
    expect(page.locator(".djs-element[data-element-id='review']")).to_contain_text("镇街初审")
    tab.shot("designer-modeler-edited", full_page=False)  # the README's modeler.png comes from the 特困 walk
    page.get_by_role("button", name="部署新版本").click()
    expect(page.locator("#running-cases")).to_contain_text("个在办案件仍按原来的版本办理")
    expect(page.locator("#changed-elements li[data-element='review']")).to_have_text("修改：镇街初审")
    tab.shot("designer-deploy-confirm")
    assert _definition(login_as, key)["version"] == 1
    page.get_by_role("button", name="确认部署").click()
    expect(page.locator(".flash", has_text=f"（{key}）省级共享第 2 版")).to_be_visible()
    expect(page.locator("#versions tr[data-version]")).to_have_count(2)
    tab.shot("designer-process-versions")
    deployed = _definition(login_as, key)
    assert deployed["version"] == 2
    assert 'name="镇街初审"' in deployed["xml"] and 'camunda:candidateGroups="county_reviewer"' in deployed["xml"]
    page.get_by_role("link", name="与上一版比较").click()
    changed = "#changes tr[data-activity='review'][data-attribute='{}'] td"
    expect(page.locator(changed.format("candidateGroups"))).to_have_text(
        ["镇街初审 review", "candidateGroups", "township_reviewer", "county_reviewer"])
    expect(page.locator(changed.format("name")).nth(3)).to_have_text("镇街初审")
    expect(page.locator("#diff .diff-add", has_text="county_reviewer")).to_have_count(1)
    expect(page.locator("#diff .diff-del", has_text="township_reviewer")).to_have_count(1)
    expect(page.locator("#new-diagram")).to_have_attribute("data-diff-ready", "true")
    expect(page.locator(".djs-element.diff-changed[data-element-id='review']")).to_have_count(2)  # both versions
    expect(page.locator(".djs-element.diff-changed[data-element-id='start']")).to_have_count(0)
    tab.shot("designer-diff")
    assert tab.errors == []


def test_a_refused_diagram_shows_the_server_error_on_its_element(browse, login_as):
    key = _deploy_test_process(login_as)
    tab = browse("designer")
    page = _open_modeler(tab, key)
    _open_group(page, "CamundaPlatform__UserAssignment")
    page.fill("#bio-properties-panel-candidateUsers", "window_cg")  # the service assigns by group only
    page.wait_for_function("() => window.currentModeler.get('elementRegistry').get('review')"
                           ".businessObject.get('camunda:candidateUsers')")
    page.get_by_role("button", name="部署新版本").click()
    page.get_by_role("button", name="确认部署").click()
    note = page.locator(".server-error-note[data-element='review']")
    expect(note).to_contain_text("candidateUsers")
    expect(page.locator(".djs-element.server-error[data-element-id='review']")).to_have_count(1)
    expect(page.locator(".server-error-message")).to_contain_text("review")
    tab.shot("designer-deploy-refused")
    assert _definition(login_as, key)["version"] == 1
    assert tab.errors == []


def test_the_form_editor_speaks_chinese(browse):
    tab = browse("designer")
    page = tab.page
    tab.errors = watch_errors(page)
    page.goto("/designer/forms/dibao_accept/edit")
    expect(page.locator(".fjs-palette-container")).to_contain_text("单行文本")
    expect(page.locator(".fjs-palette-container")).to_contain_text("组件")
    expect(page.locator(".fjs-palette-container")).not_to_contain_text("Text field")
    expect(page.get_by_placeholder("搜索组件")).to_be_visible()
    tab.shot("designer-form-editor")
    assert tab.errors == []


COLLECTED = "<bpmn:loopDataOutputRef>referrals</bpmn:loopDataOutputRef>"


@pytest.mark.parametrize("key", ["dibao", "tekun", "linshi", "referral_intake"])
def test_the_modeler_keeps_what_collects_the_referrals_of_a_shipped_process(browse, key):
    """bpmn-js drops a `loopDataOutputRef` naming no element of the file: the shipped processes name a data object,
    so the modeler saves the collection as it opened it."""
    tab = browse("designer")
    page = tab.page
    tab.errors = watch_errors(page)
    saved = _saved_in_modeler(page, key)
    assert COLLECTED in saved and 'id="referrals"' in saved
    assert tab.errors == []


def _saved_in_modeler(page, key: str) -> str:
    """The XML the modeler saves of the latest version of `key`, opened and saved untouched."""
    page.goto(f"/designer/processes/{key}/edit")
    expect(page.locator("#canvas")).to_have_attribute("data-modeler-ready", "true")
    return page.evaluate("async () => (await window.currentModeler.saveXML({ format: true })).xml")

def test_a_process_edited_in_the_modeler_still_collects_the_referrals(browse, login_as):
    tab = browse("designer")
    page = tab.page
    tab.errors = watch_errors(page)
    page.goto("/designer/processes/linshi/edit")
    expect(page.locator("#canvas")).to_have_attribute("data-modeler-ready", "true")
    page.click(".djs-element[data-element-id='accept']", force=True)
    _open_group(page, "general")
    page.fill("#bio-properties-panel-name", "窗口受理")
    page.wait_for_function("() => window.currentModeler.get('elementRegistry').get('accept')"
                           ".businessObject.name === '窗口受理'")
    page.get_by_role("button", name="部署新版本").click()
    expect(page.locator("#changed-elements li[data-element='accept']")).to_have_count(1)
    expect(page.locator("#changed-elements li[data-element='refer_needs']")).to_have_count(0)
    page.get_by_role("button", name="确认部署").click()
    expect(page.locator(".flash", has_text="（linshi）省级共享第 2 版")).to_be_visible()
    deployed = _definition(login_as, "linshi")
    assert deployed["version"] == 2 and 'name="窗口受理"' in deployed["xml"] and COLLECTED in deployed["xml"]
    assert tab.errors == []


def test_a_version_deployed_before_the_data_object_keeps_its_collection_in_the_modeler(browse, login_as):
    """A stored version whose `loopDataOutputRef` names no element (as the shipped files did): the modeler declares
    the data object it names, so what it saves still collects, and deploys."""
    key = f"legacy_{uuid.uuid4().hex[:8]}"
    shipped = (Path(__file__).parents[2] / "workflows" / "linshi.bpmn").read_text(encoding="utf-8")
    legacy = re.sub(r"\s*<!--[^>]*-->\s*<bpmn:dataObject id=\"referrals\"[^>]*/>", "", shipped)
    assert COLLECTED in legacy and 'id="referrals"' not in legacy
    data = {"deployment-name": key, "data": (io.BytesIO(legacy.replace('"linshi"', f'"{key}"').encode()),
                                             f"{key}.bpmn")}
    deployed = login_as("designer").post("/deployment/create", data=data, content_type="multipart/form-data")
    assert deployed.status_code == 200, deployed.get_json()
    tab = browse("designer")
    page = tab.page
    tab.errors = watch_errors(page)
    saved = _saved_in_modeler(page, key)
    assert COLLECTED in saved and 'id="referrals"' in saved
    page.get_by_role("button", name="部署新版本").click()
    page.get_by_role("button", name="确认部署").click()
    expect(page.locator(".flash", has_text=f"（{key}）省级共享第 2 版")).to_be_visible()
    assert COLLECTED in _definition(login_as, key)["xml"]
    assert tab.errors == []
