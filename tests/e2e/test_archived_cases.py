"""An archived case is found, not lost: whoever may see it is told, by the engine API and the pages, that it was
archived (when, to which file); nobody else learns it existed; the auditor lists archived cases with their files and
verifies one from its file. County `ar` of its own: a township with its window, another township with its window,
an auditor and a county reviewer at the county."""

import json
import re
import uuid

import pytest
from sqlalchemy import delete, select

from app.store.tables import ArchivedCase, OrgUnit, User
from tests.conftest import Api
from tests.support.archiving import finished_case
from tests.support.deployments import deploy_files, window_process
from tests.support.migrations import at_revision
from tests.support.org import add_county
from tests.support.web_client import Web

KEY = "archive_short"  # kept 30 days
ER = "/engine-rest"


@pytest.fixture(scope="module")
def county(app):
    runtime = app.extensions["runtime"]
    add_county(runtime, "ar", "归档县", "arzhen", county_roles=("auditor", "county_reviewer"))
    with runtime.unit_of_work() as uow:  # a second township of the county, with its own window
        uow.session.add_all([OrgUnit(code="arxiang", name="归档县乡", level="township", path="/ar/arxiang/",
                                     county_path="/ar/"),
                             User(username="window2_ar", display_name="窗口二",
                                  password_hash=uow.session.scalar(select(User.password_hash).where(
                                      User.username == "window_ar")), org_path="/ar/arxiang/",
                                  groups=["window"])])
        uow.commit()
    made = deploy_files(Api(app.test_client(), "designer"), {"short.bpmn": window_process(KEY, "档案短期", "P30D")})
    assert made.status_code == 200, made.json
    return runtime


@pytest.fixture
def archive_dir(app, tmp_path, monkeypatch):
    """The archive folder the service is configured with (HISTORY_ARCHIVE_DIR), the test's own."""
    monkeypatch.setitem(app.config, "HISTORY_ARCHIVE_DIR", str(tmp_path))
    return tmp_path


def _archived(app, client, clock, business_key: str | None = None) -> tuple[str, str, str]:
    """A case finished at the arzhen window and archived by `flask history-cleanup`: its id, business key, file."""
    key = business_key or f"AR-{uuid.uuid4().hex[:8]}"
    case_id = finished_case(client, KEY, "window_ar", key)
    clock.advance(days=31)
    done = app.test_cli_runner().invoke(args=["history-cleanup", "--county", "ar"])
    assert done.exit_code == 0 and "archived to" in done.output, done.output
    with app.extensions["runtime"].reading() as uow:
        return case_id, key, uow.session.get(ArchivedCase, case_id).archive


def test_the_engine_api_answers_404_saying_the_case_was_archived_to_whoever_may_see_it(app, county, client, clock,
                                                                                        archive_dir):
    case_id, key, archive = _archived(app, client, clock)
    for user in ("window_ar", "county_reviewer_ar", "auditor_ar"):
        for path in (f"/history/process-instance/{case_id}", f"/process-instance/{case_id}",
                     f"/process-instance/{case_id}/variables"):
            answer = Api(client, user).get(path)
            assert answer.status_code == 404 and answer.json["type"] == "NotFoundException", (user, path)
            message = answer.json["message"]
            assert "已于 2026-10-29" in message and "归档" in message and archive in message and key in message, message
            assert "不存在" not in message
    nowhere = str(uuid.uuid4())
    for user in ("window2_ar", "window_cg", "auditor"):  # another township, another county: as any missing case
        for path in ("/history/process-instance/{}", "/process-instance/{}"):
            answer, missing = (Api(client, user).get(path.format(c)) for c in (case_id, nowhere))
            assert answer.status_code == missing.status_code == 404, (user, path)
            assert answer.json == {**missing.json, "message": missing.json["message"].replace(nowhere, case_id)}


def test_the_history_lists_leave_archived_cases_out_as_camunda_does_after_its_clean_up(app, county, client, clock,
                                                                                       archive_dir):
    case_id, key, _ = _archived(app, client, clock)
    auditor = Api(client, "auditor_ar")
    assert auditor.get("/history/process-instance", processInstanceId=case_id).json == []
    assert auditor.get("/history/process-instance", processInstanceBusinessKey=key).json == []
    assert auditor.get("/history/process-instance/count", processInstanceBusinessKey=key).json == {"count": 0}


def test_the_audit_api_lists_archived_cases_by_business_key_county_and_period(app, county, client, clock,
                                                                              archive_dir):
    case_id, key, archive = _archived(app, client, clock)
    auditor = Api(client, "auditor_ar")

    def listed(user=auditor, **params):
        answer = user.client.get("/api/audit/archived-cases", query_string=params, headers=user.headers)
        assert answer.status_code == 200, answer.json
        return answer.json

    assert listed(businessKey=key) == [{
        "caseId": case_id, "businessKey": key, "tenantId": "ar", "processDefinitionId": listed(
            businessKey=key)[0]["processDefinitionId"], "processDefinitionKey": KEY,
        "endTime": "2026-09-28T10:00:00.000+0800", "archivedAt": "2026-10-29T10:00:00.000+0800", "archive": archive}]
    assert case_id in [a["caseId"] for a in listed(tenantId="ar", finishedAfter="2026-09-28T10:00:00.000+0800",
                                                   finishedBefore="2026-09-28T10:00:00.000+0800")]
    assert case_id in [a["caseId"] for a in listed(archivedAfter="2026-10-29T00:00:00.000+0800")]
    assert listed(businessKey=key, finishedAfter="2026-09-28T10:00:01.000+0800") == []
    assert listed(businessKey=key, archivedBefore="2026-10-29T09:59:59.000+0800") == []
    assert listed(businessKey=key, tenantId="sfx") == []
    assert listed(Api(client, "auditor"), businessKey=key) == []  # the demo county's auditor: not theirs
    for params, field in (({"caseId": case_id}, "caseId"), ({"finishedAfter": "yesterday"}, "finishedAfter"),
                          ({"maxResults": "1001"}, "maxResults")):
        refused = client.get("/api/audit/archived-cases", query_string=params, headers=auditor.headers)
        assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    window = Api(client, "window_ar")
    assert client.get("/api/audit/archived-cases", headers=window.headers).status_code == 403


def _cells(page: str, row_id: str) -> dict:
    found = re.search(rf'<section class="card" id="{row_id}".*?</section>', page, re.S)
    assert found, page
    return dict(re.findall(r'<dt>([^<]+)</dt><dd[^>]*>(?:<code>)?([^<]+)', found[0]))


def test_the_case_page_of_an_archived_case_says_where_it_went_to_whoever_may_see_it(app, county, client, clock,
                                                                                    archive_dir):
    case_id, key, archive = _archived(app, client, clock)
    for user in ("window_ar", "county_reviewer_ar", "auditor_ar"):
        page = Web(app, user).get(f"/cases/{case_id}")
        assert page.status_code == 200, (user, page.text)
        assert _cells(page.text, "archived-case") == {
            "业务键": key, "业务": "档案短期", "县": "归档县", "办结时间": "2026-09-28 10:00",
            "归档时间": "2026-10-29 10:00", "档案文件": archive}, user
        assert ("按档案文件校验" in page.text) is (user == "auditor_ar")
    auditor = Web(app, "auditor_ar")
    for path in (f"/auditor/cases/{case_id}", f"/auditor/cases/{case_id}/events/1"):
        assert _cells(auditor.get(path).text, "archived-case")["档案文件"] == archive
    nowhere = str(uuid.uuid4())
    for user in ("window2_ar", "window_cg", "auditor"):  # out of scope: what a case that never was answers
        web = Web(app, user)
        web.get("/inbox")  # the first page says 已登录
        answer, missing = web.get(f"/cases/{case_id}"), web.get(f"/cases/{nowhere}")
        assert answer.status_code == missing.status_code == 404, user
        assert answer.text.replace(case_id, nowhere) == missing.text, user
        assert key not in answer.text and archive not in answer.text


def test_the_auditor_finds_archived_cases_by_business_key_and_verifies_one_from_its_file(app, county, client, clock,
                                                                                         archive_dir):
    case_id, key, archive = _archived(app, client, clock)
    auditor = Web(app, "auditor_ar")
    found = auditor.get("/auditor", q=key[3:]).text
    assert re.findall(r'<tr data-case="([^"]+)" data-business-key="[^"]*" data-archive="([^"]+)"', found) == [
        (case_id, archive)]
    listed = auditor.get("/auditor/archived").text
    assert f'<tr data-case="{case_id}"' in listed and archive in listed
    assert re.findall(r'<tr data-case="([^"]+)"', auditor.get("/auditor/archived", q=key).text) == [case_id]
    assert "没有找到已归档的案件" in Web(app, "auditor").get("/auditor/archived", q=key).text  # another county's
    verdict = auditor.get(f"/auditor/archived/{case_id}/verify").text
    assert '<p class="verdict-ok">通过：档案文件签名有效；2 个事件' in verdict and archive in verdict
    assert Web(app, "auditor").get(f"/auditor/archived/{case_id}/verify").status_code == 404
    assert Web(app, "window_ar").get(f"/auditor/archived/{case_id}/verify").status_code == 403
    for path, param in ((f"/auditor/archived/{case_id}/verify", "full"), ("/auditor/archived", "county")):
        refused = auditor.get(path, **{param: "1"})
        assert refused.status_code == 400 and f"{param}: 此页面不支持此参数" in refused.text

    path = archive_dir / archive
    lines = path.read_text().splitlines()
    case_line = json.loads(lines[1])
    case_line["events"][0]["actor"] = "someone_else"  # changed after it was signed
    path.write_text("\n".join([lines[0], json.dumps(case_line, ensure_ascii=False), *lines[2:]]) + "\n")
    changed = auditor.get(f"/auditor/archived/{case_id}/verify").text
    assert '<p class="verdict-bad">未通过：' in changed and "签名无效" in changed
    path.unlink()
    gone = auditor.get(f"/auditor/archived/{case_id}/verify").text
    assert '<p class="verdict-bad">未通过：' in gone and f"档案文件 {archive} 不在档案目录" in gone


def test_a_new_case_may_take_an_archived_cases_business_key_and_both_are_found(app, county, client, clock,
                                                                               archive_dir):
    """The key is held only while a case with it runs (Camunda holds none): an archived case has ended. The new
    case does not hide the archived one: the auditor's search finds both."""
    case_id, key, archive = _archived(app, client, clock)
    again = Api(client, "window_ar").post(f"/process-definition/key/{KEY}/start", {"businessKey": key})
    assert again.status_code == 200 and again.json["businessKey"] == key, again.json
    page = Web(app, "auditor_ar").get("/auditor", q=key).text
    assert re.findall(r'<tr data-case="([^"]+)" data-business-key', page) == [again.json["id"], case_id]


def test_a_case_archived_before_migration_0049_is_told_to_the_countys_users_only(app, county, client, clock,
                                                                                 archive_dir):
    """Its unit is in its archive file alone: the migration gives it its county's path."""
    case_id, key, archive = _archived(app, client, clock)
    with app.extensions["runtime"].unit_of_work() as uow:
        row = uow.session.get(ArchivedCase, case_id)
        assert row.org_path == "/ar/arzhen/"
        values = {c.key: getattr(row, c.key) for c in ArchivedCase.__table__.c
                  if c.key not in ("org_path", "root_process_instance_id")}
        uow.session.execute(delete(ArchivedCase).where(ArchivedCase.process_instance_id == case_id))
        uow.commit()
    with at_revision(app, "0046") as engine:
        with engine.begin() as conn:
            conn.execute(ArchivedCase.__table__.insert().values(**values))
    with app.extensions["runtime"].reading() as uow:
        assert uow.session.get(ArchivedCase, case_id).org_path == "/ar/"
    assert "已于 2026-10-29" in Api(client, "county_reviewer_ar").get(f"/process-instance/{case_id}").json["message"]
    assert Api(client, "window_ar").get(f"/process-instance/{case_id}").json["message"] == f"案件 {case_id} 不存在"
    assert Web(app, "window_ar").get(f"/cases/{case_id}").status_code == 404
    assert Web(app, "auditor_ar").get(f"/cases/{case_id}").status_code == 200



def test_a_workers_search_by_business_key_names_the_archived_case_in_their_scope_only(app, county, client, clock,
                                                                                      archive_dir):
    case_id, key, archive = _archived(app, client, clock)
    page = Web(app, "window_ar").get("/cases", q=key).text
    assert "没有符合条件的案件" in page  # none in the database: the archived one is named beside that
    assert re.findall(r'<li data-case="([^"]+)">', page) == [case_id]
    assert archive in page and "归档于 2026-10-29" in page
    for user in ("window2_ar", "window_cg"):
        assert 'id="archived-with-key"' not in Web(app, user).get("/cases", q=key).text, user
