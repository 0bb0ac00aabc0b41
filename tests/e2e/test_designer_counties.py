"""流程设计 pages with counties as tenants: each version says whose it is and every link reaches exactly it; the
confirm page says for whom a deployment is, which number it gets and which cases and counties it concerns.

A process of the suite's designer fixture is deployed shared, for 示范县 (`sfx`, its designer `designer_sfx`) and for
泰安县 (`ta`, added here), each renaming its task 初审 so the files tell themselves apart.
"""

import html
import re
import uuid
from pathlib import Path

import pytest

from tests.conftest import Api
from tests.support.deployments import deploy_files
from tests.support.org import add_county
from tests.support.web_client import Web

# a process with one user task `review` (初审, township_reviewer); {key} is its process id
PROCESS = (Path(__file__).parent.parent / "fixtures" / "designer_review.bpmn").read_text(encoding="utf-8")
ROW = re.compile(r'<tr data-version="(\d+)" data-tenant="([^"]+)">\s*<td>第 \d+ 版</td><td class="owner">([^<]+)</td>')


@pytest.fixture(scope="module")
def ta(app):
    """泰安县 beside the demo's 示范县, with a window and a county designer."""
    add_county(app.extensions["runtime"], "ta", "泰安县", "tazhen", county_roles=("designer",))


def _xml(key: str, review: str = "初审") -> str:
    return PROCESS.format(key=key).replace('name="初审"', f'name="{review}"')


def _deploy(client, username: str, key: str, review: str, tenant: str | None = None) -> dict:
    fields = {"tenant-id": tenant} if tenant else {}
    response = deploy_files(Api(client, username), {f"{key}.bpmn": _xml(key, review)}, **fields)
    assert response.status_code == 200, response.json
    return next(iter(response.json["deployedProcessDefinitions"].values()))


def _start(client, username: str, key: str) -> dict:
    started = Api(client, username).post(f"/process-definition/key/{key}/start",
                                         {"businessKey": f"{key}-{uuid.uuid4().hex[:6]}"})
    assert started.status_code == 200, started.json
    return started.json


@pytest.fixture
def three(app, ta):
    """A key with a shared 第 1 版 (初审), 示范县's 第 1 版 (示范县初审) and 泰安县's 第 1 版 (泰安初审)."""
    client, key = app.test_client(), f"ui_{uuid.uuid4().hex[:8]}"
    _deploy(client, "designer", key, "初审")
    _deploy(client, "designer_sfx", key, "示范县初审", "sfx")
    _deploy(client, "designer", key, "泰安初审", "ta")
    return key


def _rows(page: str) -> list[tuple[str, str, str]]:
    return ROW.findall(page)


def _links(page: str, label: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'<a class="button" href="([^"]+)">{label}</a>', page)]


def _task_name(xml: str) -> str:
    return re.search(r'<bpmn:userTask id="review" name="([^"]+)"', xml)[1]


def test_a_countys_designer_sees_whose_each_version_is_and_each_link_opens_exactly_it(app, three):
    key, web = three, Web(app, "designer_sfx")
    page = web.get(f"/designer/processes/{key}").text
    assert _rows(page) == [("1", "sfx", "本县"), ("1", "shared", "省级共享")]  # 泰安县's is not 示范县's to see
    assert '<span id="shown-version">本县第 1 版</span>' in page  # the version its new cases take
    downloads = _links(page, "下载 BPMN")
    assert downloads == [f"/designer/processes/{key}/1.bpmn?tenant={whose}" for whose in ("sfx", "shared")]
    assert [_task_name(web.client.get(link).text) for link in downloads] == ["示范县初审", "初审"]
    edits = _links(page, "以此版本为底稿编辑")
    modeler = web.client.get(edits[0]).text
    assert '<span id="base-version">本县第 1 版</span>' in modeler and "示范县初审" in modeler
    assert 'name="tenant" value="sfx"' in modeler  # the deploy reads the same base again
    assert "示范县初审" not in web.client.get(edits[1]).text
    # a number alone is ambiguous here: refused, naming whose there are, never the first match
    ambiguous = web.get(f"/designer/processes/{key}/1.bpmn")
    assert ambiguous.status_code == 400 and "本县、省级共享" in ambiguous.text
    assert web.get(f"/designer/processes/{key}/edit", version=1).status_code == 400
    assert web.get(f"/designer/processes/{key}/1.bpmn", tenant="ta").status_code == 404  # another county's
    assert web.get(f"/designer/processes/{key}/1.bpmn", tenant="zz").status_code == 404
    assert web.get(f"/designer/processes/{key}/1.bpmn", tenant="").status_code == 400
    for hostile in ("abc", "²", "0"):
        assert web.get(f"/designer/processes/{key}/edit", version=hostile).status_code == 400
    assert web.get(f"/designer/processes/{key}/{2**64}.bpmn", tenant="sfx").status_code == 404
    assert web.get(f"/designer/processes/{key}/diff", old=f"sfx:{2**64}", new="sfx:1").status_code == 404
    row = re.search(rf'<tr data-key="{key}".*?</tr>', web.get("/designer").text, re.S)[0]
    assert 'data-version="1" data-tenant="sfx"' in row and '<span class="owner">本县</span>' in row
    assert "另有：省级共享第 1 版" in row
    # a worker's reading of a version names it too (a window worker of 泰安县 sees 泰安县's and the shared one)
    window = Web(app, "window_ta")
    assert window.get(f"/designer/processes/{key}/1.bpmn").status_code == 400
    assert _task_name(window.get(f"/designer/processes/{key}/1.bpmn", tenant="ta").text) == "泰安初审"


def test_the_province_sees_every_countys_versions_and_its_index_names_the_shared_one(app, three):
    key, web = three, Web(app, "designer")
    page = web.get(f"/designer/processes/{key}").text
    assert _rows(page) == [("1", "shared", "省级共享"), ("1", "sfx", "示范县"), ("1", "ta", "泰安县")]
    files = [web.client.get(link).text for link in _links(page, "下载 BPMN")]
    assert [_task_name(xml) for xml in files] == ["初审", "示范县初审", "泰安初审"]
    row = re.search(rf'<tr data-key="{key}".*?</tr>', web.get("/designer").text, re.S)[0]
    assert 'data-version="1" data-tenant="shared"' in row and '<span class="owner">省级共享</span>' in row
    assert "另有：示范县第 1 版、泰安县第 1 版" in row and "3 个版本" in row


def test_a_diff_compares_the_versions_its_link_names(app, three):
    key, web = three, Web(app, "designer_sfx")
    _deploy(app.test_client(), "designer_sfx", key, "示范县镇街初审", "sfx")
    page = web.get(f"/designer/processes/{key}").text
    assert _rows(page) == [("2", "sfx", "本县"), ("1", "sfx", "本县"), ("1", "shared", "省级共享")]
    compare = _links(page, "与上一版比较")
    assert compare == [f"/designer/processes/{key}/diff?old=sfx:1&new=sfx:2"]  # the shared one is no 上一版
    diff = web.client.get(compare[0]).text
    assert '<span id="old-version">本县第 1 版</span> → <span id="new-version">本县第 2 版</span>' in diff
    assert re.search(r'<td>示范县初审</td><td>示范县镇街初审</td>', diff)
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    assert options[:3] == [("sfx:2", "本县第 2 版"), ("sfx:1", "本县第 1 版"), ("shared:1", "省级共享第 1 版")]
    against_shared = web.get(f"/designer/processes/{key}/diff", old="shared:1", new="sfx:1").text
    assert re.search(r'<td>初审</td><td>示范县初审</td>', against_shared)
    assert web.get(f"/designer/processes/{key}/diff", old="1", new="sfx:2").status_code == 400  # 1: whose?
    assert web.get(f"/designer/processes/{key}/diff", old="ta:1", new="sfx:2").status_code == 404
    assert web.get(f"/designer/processes/{key}/diff", old=":1", new="sfx:2").status_code == 400


def _confirm(web: Web, xml: str, **form) -> str:
    page = web.post("/designer/processes/deploy", {"xml": xml, "resource_name": "edited.bpmn", **form})
    assert page.status_code == 200, page.text
    return re.sub(r"<[^>]+>", "", re.search(r'<section class="card" id="deploy-summary">(.*?)</section>',
                                            page.text, re.S)[1])


def _definitions(client, key: str) -> list[tuple[str | None, int]]:
    rows = Api(client, "designer").get("/process-definition", key=key).json
    return sorted((row["tenantId"] or "-", row["version"]) for row in rows)


def test_the_confirm_page_gives_a_countys_own_number_and_says_for_whom(app, ta):
    client, key = app.test_client(), f"ui_{uuid.uuid4().hex[:8]}"
    _deploy(client, "designer", key, "初审")
    _start(client, "window_cg", key), _start(client, "window_ta", key)  # one case each on the shared 第 1 版
    web = Web(app, "designer_sfx")
    base = {"key": key, "version": "1", "tenant": "shared"}
    summary = _confirm(web, _xml(key, "示范县初审"), **base)
    assert "部署后将成为示范县的第 1 版（示范县现在使用省级共享第 1 版）" in summary
    assert "只对示范县生效" in summary and "其他县不受影响" in summary
    assert "1 个在办案件仍按原来的版本办理到结束（省级共享第 1 版" in summary  # 示范县's, not 泰安县's
    for_taian = _confirm(Web(app, "designer"), _xml(key, "泰安初审"), **base, deploy_for="ta")  # the province's
    assert "部署后将成为泰安县的第 1 版（泰安县现在使用省级共享第 1 版）" in for_taian
    assert "1 个在办案件仍按原来的版本办理到结束（省级共享第 1 版" in for_taian  # 泰安县's, not 示范县's
    deployed = web.post("/designer/processes/deploy", {"xml": _xml(key, "示范县初审"), "resource_name": f"{key}.bpmn",
                                                       **base, "deploy_for": "sfx", "confirmed": "1"})
    assert deployed.status_code == 302
    assert "示范县第 1 版" in web.get(deployed.location).text  # the flash names whose
    assert _definitions(client, key) == [("-", 1), ("sfx", 1)]
    again = _confirm(web, _xml(key, "示范县镇街初审"), key=key, version="1", tenant="sfx")
    assert "部署后将成为示范县的第 2 版。" in again and "0 个在办案件" in again


def test_a_new_process_is_deployed_from_the_modeler(app, ta):
    client = app.test_client()
    taian_only = f"ui_{uuid.uuid4().hex[:8]}"
    _deploy(client, "designer_ta", taian_only, "泰安初审", "ta")
    for username, key, whose, tenant in (("designer_sfx", f"ui_{uuid.uuid4().hex[:8]}", "示范县", "sfx"),
                                         ("designer_sfx", taian_only, "示范县", "sfx"),  # 泰安县's is not 示范县's
                                         ("designer", f"ui_{uuid.uuid4().hex[:8]}", "省级共享", None)):
        web = Web(app, username)
        summary = _confirm(web, _xml(key))
        assert f"部署后将成为{whose}的第 1 版（这是一个新流程）" in summary
        deployed = web.post("/designer/processes/deploy", {"xml": _xml(key), "resource_name": f"{key}.bpmn",
                                                           "confirmed": "1"})
        assert deployed.status_code == 302 and deployed.location == f"/designer/processes/{key}"
        assert (tenant or "-", 1) in _definitions(client, key)


def test_the_province_confirm_page_counts_the_replaced_versions_cases_and_names_the_counties_keeping_theirs(
        app, ta):
    client, key, web = app.test_client(), f"ui_{uuid.uuid4().hex[:8]}", Web(app, "designer")
    _deploy(client, "designer", key, "初审")
    _start(client, "window_cg", key)  # on the shared 第 1 版
    _deploy(client, "designer_sfx", key, "示范县初审", "sfx")
    _deploy(client, "designer", key, "泰安初审", "ta")
    _start(client, "window_cg", key), _start(client, "window_ta", key)  # on 示范县's and 泰安县's own
    summary = _confirm(web, _xml(key, "省级受理"), key=key, version="1", tenant="shared")
    assert "部署后将成为省级共享的第 2 版。" in summary
    assert "示范县、泰安县使用本县自己的版本，不受影响" in summary
    assert "1 个在办案件仍按原来的版本办理到结束（省级共享第 1 版" in summary
    # the province deploys for a county from the same page: its choice, previewed again
    page = web.post("/designer/processes/deploy", {"xml": _xml(key, "泰安受理"), "resource_name": f"{key}.bpmn",
                                                   "key": key, "version": "1", "tenant": "ta", "deploy_for": "ta"})
    assert re.search(r'<option value="ta" selected>泰安县</option>', page.text)
    assert 'name="deploy_for" value="ta"' in page.text
    summary = _confirm(web, _xml(key, "泰安受理"), key=key, version="1", tenant="ta", deploy_for="ta")
    assert "部署后将成为泰安县的第 2 版。" in summary and "只对泰安县生效" in summary
    assert "1 个在办案件仍按原来的版本办理到结束（泰安县第 1 版" in summary
    deployed = web.post("/designer/processes/deploy", {"xml": _xml(key, "泰安受理"), "resource_name": f"{key}.bpmn",
                                                       "key": key, "version": "1", "tenant": "ta", "deploy_for": "ta",
                                                       "confirmed": "1"})
    assert deployed.status_code == 302
    assert _definitions(client, key) == [("-", 1), ("sfx", 1), ("ta", 1), ("ta", 2)]
    unknown = web.post("/designer/processes/deploy", {"xml": _xml(key), "deploy_for": "zz"})
    assert unknown.status_code == 400 and "zz" in unknown.text


def test_a_countys_designer_deploys_for_the_county_only_and_is_not_offered_the_shared_forms(app, ta):
    client, key = app.test_client(), f"ui_{uuid.uuid4().hex[:8]}"
    _deploy(client, "designer", key, "初审")
    web = Web(app, "designer_sfx")
    for target in ("shared", "ta"):
        refused = web.post("/designer/processes/deploy", {"xml": _xml(key, "改"), "resource_name": f"{key}.bpmn",
                                                          "deploy_for": target, "confirmed": "1"})
        assert refused.status_code == 403 and "县级设计员只能为本县部署流程" in refused.text
        assert "tenant" not in refused.text
    confirm = web.post("/designer/processes/deploy", {"xml": _xml(key, "改"), "resource_name": f"{key}.bpmn"})
    assert 'id="target-form"' not in confirm.text and "tenant-id" not in confirm.text  # no choice to offer
    assert _definitions(client, key) == [("-", 1)]
    index = web.get("/designer").text
    assert "编辑表单" not in index and "编辑模板" not in index
    assert index.count("省级共享，由省级设计员修改") >= 2
    for path in ("/designer/forms/dibao_accept/edit", "/designer/notices/approval/edit"):
        page = web.get(path)
        assert page.status_code == 403 and "表单和告知书模板由省级设计员部署" in page.text
    form = web.post("/designer/forms/dibao_accept/deploy", {"schema": '{"id": "dibao_accept", "components": []}'})
    notice = web.post("/designer/notices/approval/deploy", {"text": "审批通知书\n{{ applicant_name }}"})
    for page in (form, notice):
        assert page.status_code == 403 and "tenant" not in page.text
    province = Web(app, "designer").get("/designer").text
    assert "编辑表单" in province and "编辑模板" in province
