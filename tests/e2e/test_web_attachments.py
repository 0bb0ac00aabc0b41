"""附件 on the pages: the investigator photographs the home on the tablet and the window attaches a scan to the
case; pictures are listed with a thumbnail, served only to those who may read the case."""

import hashlib
import io
import re

import pytest
from PIL import Image

from tests.conftest import Api
from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def upload(web: Web, path: str, content: bytes, filename: str, **fields):
    form = {"csrf_token": web.token(), "file": (io.BytesIO(content), filename), **fields}
    return web.client.post(path, data=form, content_type="multipart/form-data")


@pytest.fixture(scope="module")
def visit(app):
    client = app.test_client()
    case = Case(lambda username: Api(client, username))
    case.accept()
    return case, case.task("investigator_cg", "home_visit")


def test_a_photo_from_the_tablet_camera_shows_as_a_thumbnail_on_the_task_and_the_case(app, visit):
    case, task = visit
    investigator = Web(app, "investigator_cg")
    page = investigator.get(f"/tasks/{task['id']}").text
    assert re.search(r'<input type="file" name="file" accept="image/\*" capture', page)
    done = upload(investigator, f"/tasks/{task['id']}/attachments", _jpeg(), "IMG_0001.jpg")
    assert done.status_code == 302 and done.location.endswith("#attachments")
    page = investigator.get(f"/tasks/{task['id']}").text
    thumb = re.search(r'<img class="thumb" src="(/cases/[^"?]+)\?thumb=1"', page)
    assert thumb and "IMG_0001.jpg" in page
    reviewer = Web(app, "reviewer_cg")
    assert thumb[1] in reviewer.get(f"/cases/{case.id}").text
    small = reviewer.get(thumb[1], thumb=1)
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(small.data)).size) == 320
    whole = reviewer.get(thumb[1])
    assert whole.data == _jpeg() and whole.mimetype == "image/jpeg"
    assert whole.headers["Content-Security-Policy"] == "sandbox"
    again = reviewer.client.get(thumb[1], headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304
    assert Web(app, "window_hd").get(thumb[1]).status_code == 404  # another township's case


def test_the_window_attaches_a_scan_to_the_case_and_other_files_only_download(app, visit):
    case, _task = visit
    window = Web(app, "window_cg")
    done = upload(window, f"/cases/{case.id}/attachments", b"%PDF-1.4 scan", "户口簿.pdf", description="户口簿首页")
    assert done.status_code == 302
    page = window.get(f"/cases/{case.id}").text
    link = re.search(r'<a href="(/cases/[^"]+)" target="_blank">📄 户口簿.pdf</a>', page)
    assert link and "户口簿首页" in page
    pdf = window.get(link[1])
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("inline")
    assert "filename*=UTF-8''%E6%88%B7%E5%8F%A3%E7%B0%BF.pdf" in pdf.headers["Content-Disposition"]
    pdf.headers["Content-Disposition"].encode("latin-1")  # a server sends its headers as Latin-1
    upload(window, f"/cases/{case.id}/attachments", b"<script>alert(1)</script>", "x.html")
    html = re.search(r'<a href="(/cases/[^"]+)" target="_blank">📄 x.html</a>', window.get(f"/cases/{case.id}").text)
    served = window.get(html[1])
    assert served.mimetype == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment")


def test_a_file_over_the_setting_comes_back_with_the_reason(app, visit):
    case, _task = visit
    window = Web(app, "window_cg")
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    try:
        done = upload(window, f"/cases/{case.id}/attachments", b"%PDF-" + b"x" * 1000, "big.pdf")
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = limit
    assert done.status_code == 302
    assert "ATTACHMENT_MAX_BYTES" in window.get(f"/cases/{case.id}").text


def test_roles_that_do_not_attach_see_no_upload_form(app, visit):
    case, task = visit
    assert 'enctype="multipart/form-data"' not in Web(app, "auditor").get(f"/cases/{case.id}").text
    assert 'enctype="multipart/form-data"' not in Web(app, "window_cg").get(f"/tasks/{task['id']}").text
    assert upload(Web(app, "auditor"), f"/cases/{case.id}/attachments", b"%PDF-1", "a.pdf").status_code == 403


def test_the_reviewer_sees_the_photos_of_the_home_visit_on_the_review_task(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    visit_task = case.task("investigator_cg", "home_visit")
    investigator = Web(app, "investigator_cg")
    assert upload(investigator, f"/tasks/{visit_task['id']}/attachments", _jpeg(), "厨房.jpg").status_code == 302
    case.investigate()
    review = case.task("reviewer_cg", "township_review")
    page = Web(app, "reviewer_cg").get(f"/tasks/{review['id']}").text
    item = page.split('<ul class="attachments">')[1].split("</ul>")[0]
    assert '<img class="thumb"' in item and "厨房.jpg" in item
    assert "入户调查 · 城关镇调查员" in item  # the step it was taken at, and by whom
    timeline = Web(app, "auditor").get(f"/auditor/cases/{case.id}").text
    attached = timeline.split('data-command="attach"')[1].split("</li>")[0]
    assert "添加附件：入户调查" in attached and "厨房.jpg" in attached
    assert hashlib.sha256(_jpeg()).hexdigest() in attached  # what verification checks the kept bytes against
