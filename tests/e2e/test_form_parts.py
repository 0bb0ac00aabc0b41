"""Every form-js part Camunda Modeler's form editor offers works on the task page or is refused by name at deploy:
a file picker is an attachment of the task (uploaded on the page, or first through the REST API's task attachments)
checked on complete; a picture embedded in the form, HTML (formatting only), a table of case data, spacers and
rules are shown; a picture from elsewhere or a table of computed columns is refused naming the part and why."""

import io
import uuid

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import typed
from tests.support.deployments import deploy_files
from tests.support.form_parts import PIXEL, PNG, deploy_parts, form, start
from tests.support.web_client import Web


@pytest.fixture(scope="module")
def deployed(app):
    from tests.conftest import Api
    return deploy_parts(Api(app.test_client(), "designer"))


def attach(api, task_id: str, content: bytes, filename: str):
    data = {"attachment-name": filename, "content": FileStorage(io.BytesIO(content), filename=filename)}
    boundary, payload = encode_multipart(data)
    return api.client.post(f"/engine-rest/task/{task_id}/attachment/create", data=payload, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")


def complete(api, task_id: str, **variables):
    return api.post(f"/task/{task_id}/complete", {"variables": typed(**variables)})


def test_the_task_page_shows_each_part(app, login_as, deployed):
    _, task_id = start(login_as, deployed)
    page = Web(app, "window_cg").get(f"/tasks/{task_id}").text
    assert f'<img src="{PIXEL}" alt="示意图">' in page and '<hr class="form-separator">' in page
    assert 'class="form-spacer" style="height: 24px"' in page
    assert "<p>申请人 <b>张三</b></p>" in page and "alert(1)" not in page and "onclick" not in page
    assert "<a>说明</a>" in page  # a link to a script keeps its words, not its address
    assert "<td>李四</td><td>配偶</td>" in page
    assert 'name="id_photo__file" type="file" class="file-input"' in page and 'accept="image/*,.pdf"' in page
    assert 'class="file-button">选择文件</label>' in page  # the staff's words, not the browser's "Choose File"
    assert 'enctype="multipart/form-data"' in page


def test_a_file_picker_takes_an_attachment_of_the_task_over_the_api(login_as, deployed):
    _, task_id = start(login_as, deployed)
    api = login_as("window_cg")
    missing = complete(api, task_id)
    assert missing.status_code == 400 and missing.json["field"] == "id_photo" and "必填" in missing.json["message"]
    stranger = complete(api, task_id, id_photo=str(uuid.uuid4()))
    assert stranger.status_code == 400 and "不是本任务的附件" in stranger.json["message"], stranger.json
    text = attach(api, task_id, b"just some words", "note.txt")
    assert text.status_code == 200, text.json
    wrong = complete(api, task_id, id_photo=text.json["id"])
    assert wrong.status_code == 400 and "类型不在允许的范围" in wrong.json["message"], wrong.json
    several = complete(api, task_id, id_photo=[text.json["id"]])
    assert several.status_code == 400 and "只能选择一个文件" in several.json["message"]
    photo = attach(api, task_id, PNG, "身份证.png")
    assert complete(api, task_id, id_photo=photo.json["id"]).status_code == 204
    other_id, other_task = start(login_as, deployed)  # another task's attachment is not this task's file
    reused = complete(api, other_task, id_photo=photo.json["id"])
    assert reused.status_code == 400 and reused.json["field"] == "id_photo"


def test_a_file_chosen_on_the_page_is_attached_to_the_task_and_named_in_the_case(app, login_as, deployed):
    case_id, task_id = start(login_as, deployed)
    web = Web(app, "window_cg")
    refused = web.post(f"/tasks/{task_id}", {})
    assert refused.status_code == 422 and 'data-error-for="id_photo"' in refused.text
    token = web.token()
    done = web.client.post(f"/tasks/{task_id}", data={"csrf_token": token, "action": "complete",
                                                       "id_photo__file": (io.BytesIO(PNG), "身份证.png")},
                           content_type="multipart/form-data")
    assert done.status_code == 302, done.text[:1500]
    api = login_as("window_cg")
    value = api.get(f"/process-instance/{case_id}/variables/id_photo").json["value"]
    attachments = api.get(f"/task/{task_id}/attachment").json
    assert [a["id"] for a in attachments] == [value] and attachments[0]["name"] == "身份证.png"


@pytest.mark.parametrize(("part", "words"), [
    ({"type": "image", "id": "far", "source": "https://example.com/a.png"}, "不从其他网站加载图片"),
    ({"type": "image", "id": "computed", "source": "=photo_url"}, "不按表达式取图"),
    ({"type": "table", "id": "cols", "dataSource": "=members", "columnsExpression": "=cols"}, "columnsExpression"),
    ({"type": "table", "id": "nosource", "columns": [{"label": "姓名", "key": "name"}]}, "dataSource"),
    ({"type": "iframe", "id": "frame", "url": "https://example.com"}, "暂不支持"),
])
def test_a_part_the_page_cannot_show_as_meant_is_refused_naming_it(login_as, part, words):
    key = f"bad_{uuid.uuid4().hex[:8]}"
    refused = deploy_files(login_as("designer"), {f"{key}.form": form(f"{key}_form", part)})
    assert refused.status_code == 400 and words in refused.json["message"], refused.json
    assert part["id"] in refused.json["message"]
