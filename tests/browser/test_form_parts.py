"""A task form with a picture, HTML, a table of case data and a file picker, as the window uses it in the browser:
each part shown, the file chosen and sent with the form, attached to the task and named in the case."""

from playwright.sync_api import expect

from tests.support.browser import watch_errors
from tests.support.form_parts import PNG, deploy_parts, start


def test_the_window_sends_a_scan_with_the_form_and_sees_every_part(browse, login_as):
    case_id, task_id = start(login_as, deploy_parts(login_as("designer")))
    page = browse("window_cg").page
    errors = watch_errors(page)
    page.goto(f"/tasks/{task_id}")
    expect(page.get_by_role("img", name="示意图")).to_be_visible()
    expect(page.locator(".form-html b")).to_have_text("张三")
    expect(page.locator(".form-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name="提交办理").click()  # nothing chosen: refused, the field named
    expect(page.locator("[data-error-for=id_photo]")).to_contain_text("必填")
    page.set_input_files("input[name=id_photo__file]", files=[{"name": "身份证.png", "mimeType": "image/png",
                                                               "buffer": PNG}])
    expect(page.locator("#task-form [data-file-name]")).to_have_text("已选择：身份证.png")
    page.get_by_role("button", name="提交办理").click()
    page.wait_for_url(lambda url: f"/tasks/{task_id}" not in url)  # done: on to the inbox
    api = login_as("window_cg")
    attachments = api.get(f"/task/{task_id}/attachment").json
    assert [a["name"] for a in attachments] == ["身份证.png"]
    assert api.get(f"/process-instance/{case_id}/variables/id_photo").json["value"] == attachments[0]["id"]
    assert errors == []
