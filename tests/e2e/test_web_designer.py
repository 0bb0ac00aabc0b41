"""流程设计 pages: deployed processes and versions, deploying from the modeler's form, refusals, diffs, forms."""

import io
import json
import re
import uuid
from pathlib import Path

from tests.support.web_client import Web

# a process with one user task `review` (初审, township_reviewer); {key} is its process id
PROCESS = (Path(__file__).parent.parent / "fixtures" / "designer_review.bpmn").read_text(encoding="utf-8")


def _deploy(login_as, files: dict[str, bytes]) -> None:
    data = {"deployment-name": "web-test", **{name: (io.BytesIO(content), name) for name, content in files.items()}}
    response = login_as("designer").post("/deployment/create", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()


def _new_process(login_as) -> str:
    key = f"ui_{uuid.uuid4().hex[:8]}"
    _deploy(login_as, {f"{key}.bpmn": PROCESS.format(key=key).encode()})
    return key


def _latest(login_as, key: str) -> dict:
    return login_as("designer").get(f"/process-definition/key/{key}").get_json()


def test_the_designer_lists_every_process_with_its_latest_version(app):
    page = Web(app, "designer").get("/designer").text
    for key in ("dibao", "linshi", "tekun"):
        assert re.search(rf'<tr data-key="{key}" data-version="\d+" data-tenant="shared">', page)
    assert 'data-key="dibao_accept"' in page  # the forms too


def test_the_modeler_deploys_an_edited_diagram_as_the_next_version(app, login_as):
    key = _new_process(login_as)
    web = Web(app, "designer")
    page = web.get(f"/designer/processes/{key}/edit").text
    assert 'id="canvas"' in page and "dist/modeler.js" in page
    edited = PROCESS.format(key=key).replace('name="初审"', 'name="镇街初审"')
    form = {"xml": edited, "resource_name": f"{key}.bpmn", "key": key, "version": "1"}
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {"businessKey": f"{key}-1"})
    assert started.status_code == 200, started.get_json()  # a running case: it stays on version 1
    confirm = web.post("/designer/processes/deploy", form)
    assert confirm.status_code == 200 and _latest(login_as, key)["version"] == 1  # nothing deployed yet
    assert re.search(r'id="running-cases"><strong>1</strong> 个在办案件仍按原来的版本办理', confirm.text)
    assert '<li data-change="changed" data-element="review">修改：镇街初审</li>' in confirm.text
    response = web.post("/designer/processes/deploy", {**form, "confirmed": "1"})
    assert response.status_code == 302 and response.location == f"/designer/processes/{key}"
    latest = _latest(login_as, key)
    assert latest["version"] == 2 and latest["name"] == "界面测试流程"
    assert 'name="镇街初审"' in login_as("designer").get(f"/process-definition/key/{key}/xml").get_json()["bpmn20Xml"]
    assert '<tr data-version="2" data-tenant="shared">' in web.get(response.location).text
    first = web.get(f"/designer/processes/{key}/1.bpmn")
    assert first.data.decode() == PROCESS.format(key=key) and first.headers["Content-Disposition"].endswith(".bpmn")
    unchanged = web.post("/designer/processes/deploy", {"xml": edited, "resource_name": f"{key}.bpmn", "key": key,
                                                        "confirmed": "1"})
    assert unchanged.status_code == 302 and _latest(login_as, key)["version"] == 2  # no change, no version


def test_a_refused_diagram_returns_to_the_modeler_with_the_error_of_its_element(app, login_as):
    key = _new_process(login_as)
    broken = PROCESS.format(key=key).replace(' camunda:candidateGroups="township_reviewer"',
                                             ' camunda:candidateUsers="zhang"')
    response = Web(app, "designer").post("/designer/processes/deploy",
                                         {"xml": broken, "resource_name": f"{key}.bpmn", "key": key, "confirmed": "1"})
    assert response.status_code == 400
    errors = json.loads(re.search(r"errors: (\[.*?\]),\n", response.text)[1])
    assert errors[0]["element"] == "review" and "candidateUsers" in errors[0]["message"]
    assert "candidateUsers=" in re.search(r'name="xml" id="xml-field" value="([^"]*)"', response.text)[1]
    assert _latest(login_as, key)["version"] == 1


def test_only_a_designer_deploys_and_only_with_the_session_token(app, login_as):
    key = _new_process(login_as)
    xml = PROCESS.format(key=key).replace('name="初审"', 'name="改名"')
    assert Web(app, "window_cg").get(f"/designer/processes/{key}/edit").status_code == 403
    assert Web(app, "window_cg").post("/designer/processes/deploy", {"xml": xml}).status_code == 403
    assert Web(app, "designer").post("/designer/processes/deploy", {"xml": xml}, csrf=False).status_code == 403
    assert _latest(login_as, key)["version"] == 1


def test_the_diff_names_the_changed_attributes_of_each_step(app, login_as):
    key = _new_process(login_as)
    xml = PROCESS.format(key=key).replace("township_reviewer", "county_reviewer")
    _deploy(login_as, {f"{key}.bpmn": xml.replace('name="办结"', 'name="结束"').encode()})
    page = Web(app, "designer").get(f"/designer/processes/{key}/diff", old=1, new=2).text
    rows = re.findall(r'<tr data-activity="([^"]+)" data-attribute="([^"]+)">', page)
    assert sorted(rows) == [("end", "name"), ("review", "candidateGroups")]
    assert '<span class="diff-add">+    &lt;bpmn:userTask id=&#34;review&#34; name=&#34;初审&#34; ' \
           'camunda:candidateGroups=&#34;county_reviewer&#34;/&gt;</span>' in page
    elements = json.loads(re.search(r'<script type="application/json" id="diff-data">(.*?)</script>', page, re.S)[1])
    assert elements["elements"] == {"added": [], "removed": [], "changed": ["end", "review"], "moved": []}


def test_a_change_of_formatting_alone_shows_no_difference(app, login_as):
    key = _new_process(login_as)
    xml = PROCESS.format(key=key).replace(  # another tool's formatting: attribute order, indentation, line breaks
        '<bpmn:userTask id="review" name="初审" camunda:candidateGroups="township_reviewer" />',
        '<bpmn:userTask camunda:candidateGroups="township_reviewer"\n        name="初审" id="review"></bpmn:userTask>')
    _deploy(login_as, {f"{key}.bpmn": re.sub(r"\n {4}", "\n\t", xml).encode()})
    page = Web(app, "designer").get(f"/designer/processes/{key}/diff", old=1, new=2)
    assert page.status_code == 200 and "两个版本的 BPMN 文件完全相同" in page.text
    assert '"changed": []' in page.text and '"moved": []' in page.text


def test_the_form_editor_deploys_the_next_version_of_a_form(app, login_as):
    key = f"ui_form_{uuid.uuid4().hex[:8]}"
    schema = {"id": key, "type": "default", "components": [{"key": "note", "label": "备注", "type": "textfield"}]}
    _deploy(login_as, {f"{key}.form": json.dumps(schema).encode()})
    web = Web(app, "designer")
    page = web.get(f"/designer/forms/{key}/edit").text
    assert json.loads(re.search(r'id="schema-json">(.*?)</script>', page)[1]) == schema
    schema["components"].append({"key": "amount", "label": "金额", "type": "number"})
    assert web.post(f"/designer/forms/{key}/deploy", {"schema": json.dumps(schema)}).status_code == 302
    assert "第 2 版" in web.get("/designer").text.split(f'data-key="{key}"')[1].split("</tr>")[0]
    renamed = web.post(f"/designer/forms/{key}/deploy", {"schema": json.dumps({**schema, "id": "other"})})
    assert renamed.status_code == 400 and "表单 id 须保持为" in renamed.text


def test_the_form_editor_refuses_a_component_the_task_page_cannot_render_naming_it(app, login_as):
    key = f"ui_form_{uuid.uuid4().hex[:8]}"
    schema = {"id": key, "type": "default", "components": [{"key": "note", "label": "备注", "type": "textfield"}]}
    _deploy(login_as, {f"{key}.form": json.dumps(schema).encode()})
    schema["components"].append({"label": "政策网页", "type": "iframe", "id": "Field_policy", "url": "https://x.cn"})
    page = Web(app, "designer").post(f"/designer/forms/{key}/deploy", {"schema": json.dumps(schema)})
    assert page.status_code == 400 and "iframe" in page.text and "Field_policy" in page.text
