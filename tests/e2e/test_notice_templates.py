"""Notice templates are deployed and versioned like forms — with the processes, over the deployment API and from
the designer's page — and a diagram's `notice` declaration is checked at deploy: an unknown kind, a kind without a
template, a result that is not a written-out kind, a declaration off a user task, or a template that leaves out the
rights of appeal or uses more than text, conditions and filters is refused, naming the file and element."""

import io
from pathlib import Path

import pytest

from tests.conftest import Api, service_app
from tests.support.dibao_steps import Case
from tests.support.web_client import Web

NOTICES = Path(__file__).parent.parent.parent / "notices"
REFUSAL = (NOTICES / "refusal.notice").read_text()


@pytest.fixture(scope="module")
def own_app(tmp_path_factory):
    """A service of its own: these tests deploy new template versions, which every later deployment pins."""
    app = service_app(f"sqlite:///{tmp_path_factory.mktemp('notices') / 'notices.sqlite3'}", "notices")
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def designer(own_app):
    return Api(own_app.test_client(), "designer")


def _deploy(api: Api, files: dict[str, str]):
    data = {"deployment-name": "notices", "deploy-changed-only": "true",
            **{name: (io.BytesIO(text.encode()), name) for name, text in files.items()}}
    return api.client.post("/engine-rest/deployment/create", data=data, headers=api.headers,
                           content_type="multipart/form-data")


def _process(key: str, notice: str, task: str = "userTask") -> str:
    extra = ' camunda:candidateGroups="window"' if task == "userTask" else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="hand_over"/>
    <bpmn:{task} id="hand_over"{extra}>
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="notice" value="{notice}"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:{task}>
    <bpmn:sequenceFlow id="f2" sourceRef="hand_over" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize(("notice", "task", "words"), [
    ("refusl", "userTask", "未知的告知书种类 'refusl'"),
    ("${'stop' if x else 'termination_x'}", "userTask", "未知的告知书种类 'termination_x'"),
    ("${kind_of_notice}", "userTask", "每个结果须为写明的种类"),
    ("${__import__('os')}", "userTask", "不允许"),
    ("refusal", "task", "只能声明在交付告知书的用户任务上"),
])
def test_a_notice_declaration_the_service_cannot_honour_is_refused_at_deploy(designer, notice, task, words):
    response = _deploy(designer, {"probe.bpmn": _process("probe", notice, task)})
    assert response.status_code == 400, response.json
    assert words in response.json["message"] and response.json["element"] == "hand_over"
    assert response.json["file"] == "probe.bpmn"


@pytest.mark.parametrize(("name", "text", "words"), [
    ("refusals.notice", REFUSAL, "未知的告知书种类 'refusals'"),
    ("refusal.notice", REFUSAL.replace("{{ court }}", "人民法院"), "模板未使用 court"),
    ("stop.notice", "停发决定书\n{% for x in items %}{{ x }}{% endfor %}", "第2行：不支持的模板语法 For"),
    ("stop.notice", "停发决定书\n{{ amount.__class__ }}", "不允许的属性 __class__"),
    ("stop.notice", "停发决定书\n{{ reason | upper }}", "未知的过滤器 upper"),
    ("stop.notice", "停发决定书\n{{ lipsum() }}", "不支持的模板语法 Call"),
    ("stop.notice", "停发决定书\n{% if %}", "模板语法错误（第2行）"),
    ("approval.notice", "\n批准", "第一行须为文书标题"),
])
def test_a_template_that_is_not_a_safe_notice_is_refused_whole(designer, name, text, words):
    response = _deploy(designer, {name: text})
    assert response.status_code == 400, response.json
    assert words in response.json["message"] and response.json["file"] == name


def test_a_new_template_version_is_pinned_by_processes_deployed_after_it_while_earlier_cases_keep_theirs(
        own_app, designer):
    login_as = lambda user: Api(own_app.test_client(), user)  # noqa: E731
    before = Case(login_as)
    edited = REFUSAL.replace("本机关决定", "经研究，本机关决定")
    response = _deploy(designer, {"refusal.notice": edited})
    assert response.status_code == 200, response.json
    assert [t["version"] for t in response.json["deployedNoticeTemplates"].values()] == [2]
    dibao = (NOTICES.parent / "workflows" / "dibao.bpmn").read_text()
    redeployed = _deploy(designer, {"dibao.bpmn": dibao})  # unchanged file, new template: a new version
    assert [d["key"] for d in redeployed.json["deployedProcessDefinitions"].values()] == ["dibao"]
    after = Case(login_as)
    for case in (before, after):
        case.accept()
        case.investigate()
        case.complete("reviewer_cg", "township_review", opinion="reject", reason="收入超过标准")
    assert "经研究" not in before.notices()[0]["text"] and "经研究，本机关决定" in after.notices()[0]["text"]


def test_the_designer_edits_a_template_on_its_page_and_a_refusal_keeps_the_text(own_app):
    web = Web(own_app, "designer")
    index = web.get("/designer").text
    assert 'id="notice-templates"' in index and 'data-key="termination"' in index
    page = web.get("/designer/notices/termination/edit").text
    assert "终止特困人员救助供养决定书" in page
    text = (NOTICES / "termination.notice").read_text()
    refused = web.post("/designer/notices/termination/deploy", {"text": text.replace("{{ review_body }}", "政府")})
    assert refused.status_code == 400 and "模板未使用 review_body" in refused.text and "终止特困人员" in refused.text
    deployed = web.post("/designer/notices/termination/deploy", {"text": text + "\n（附：送达回证）"})
    assert deployed.status_code == 302
    assert 'data-key="termination" data-version="2"' in web.get("/designer").text
    assert Web(own_app, "window_cg").get("/designer/notices/termination/edit").status_code == 403
