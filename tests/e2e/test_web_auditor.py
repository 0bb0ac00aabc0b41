"""审计 pages: find a case, read its timeline and verification, step through its replayed states."""

import json
import re
import uuid

import pytest
from sqlalchemy import select, update

from app.store.tables import AccessLog, CaseEvent
from tests.support.dibao_steps import Case, unique_id_number
from tests.support.tamper import rechained, tamper_rows
from tests.support.web_client import Web


def _marks(page: str) -> dict:
    return json.loads(re.search(r"getElementById\('replay-diagram'\), .*?, (\{.*\})\);", page)[1])


def test_the_auditor_finds_a_case_and_reads_its_verified_timeline(app, login_as, clock):
    case = Case.investigated(login_as)
    web = Web(app, "auditor")
    found = web.get("/auditor", q=case.business_key[3:]).text
    assert re.findall(r'<tr data-case="([^"]+)"', found) == [case.id]
    page = web.get(f"/auditor/cases/{case.id}").text
    assert re.findall(r'<li data-seq="(\d+)" data-command="([a-z_]+)">', page) == [
        ("1", "start"), ("2", "complete"), ("3", "complete"), ("4", "external_complete")]
    assert '<p class="verdict-ok">通过：4 个事件' in page
    assert Web(app, "window_cg").get(f"/auditor/cases/{case.id}").status_code == 403


def test_the_auditor_finds_a_case_by_the_applicants_name_or_id_number_and_those_finds_are_logged(app, login_as,
                                                                                                 clock):
    id_number = unique_id_number(born="19520101")
    name = "欧阳" + uuid.uuid4().hex[:6]  # one applicant of its own among other tests' cases
    case = Case(login_as)
    case.accept(applicant_name=name, id_number=id_number)
    web = Web(app, "auditor")
    for search in (name, id_number.lower(), name[:5]):  # a part of a name finds it too
        page = web.get("/auditor", q=search).text
        assert re.findall(r'<tr data-case="([^"]+)"', page) == [case.id], search
        applicant = page.split(f'data-case="{case.id}"')[1].split('class="applicant">')[1].split("<")[0]
        assert applicant.startswith("欧") and name not in page.split("<table")[1]  # masked, as auditors see names
    assert "城关镇受理窗口" in page and "window_cg" not in page  # who started it, by name
    by_key = web.get("/auditor", q=case.business_key).text
    assert 'class="applicant"' not in by_key  # a business key shows no personal data
    with app.extensions["runtime"].unit_of_work() as uow:
        logged = uow.session.scalars(select(AccessLog.username).where(AccessLog.process_instance_id == case.id,
                                                                      AccessLog.what == "audit search")).all()
    assert logged == ["auditor"] * 3  # the name, the 身份证 and the name again: not the business key
    assert web.get("/auditor", q="11010119520101000X").status_code == 200


def test_replay_steps_through_the_state_after_each_event(app, login_as, clock):
    case = Case.investigated(login_as)
    web = Web(app, "auditor")
    first = web.get(f"/auditor/cases/{case.id}/events/1").text
    assert _marks(first)["waiting"] == ["accept"] and 'rel="prev"' not in first
    assert f'href="/auditor/cases/{case.id}/events/2"' in first and "与该事件记录的状态哈希一致" in first
    second = web.get(f"/auditor/cases/{case.id}/events/2").text
    # the home visit, the matching, and the visit's two late timers (its own due date, the case's limit)
    assert sorted(_marks(second)["waiting"]) == ["home_visit", "home_visit_case_late", "home_visit_late", "verify"]
    household = re.compile(r'<dt data-name="household_size">[^<]+</dt><dd>3</dd>')
    assert household.search(second) and not household.search(first)
    last = web.get(f"/auditor/cases/{case.id}/events/4").text
    assert "accept" in _marks(last)["done"] and 'rel="next"' not in last
    assert web.get(f"/auditor/cases/{case.id}/events/5").status_code == 404


def test_a_tampered_history_is_reported_on_the_case_and_in_the_scope_check(app, runtime, login_as, clock):
    case = Case.investigated(login_as)
    tamper_rows(runtime, update(CaseEvent).where(CaseEvent.process_instance_id == case.id, CaseEvent.seq == 3)
                .values(actor="someone_else"))
    web = Web(app, "auditor")
    assert '<p class="verdict-bad">未通过：第 3 个事件起' in web.get(f"/auditor/cases/{case.id}").text
    failures = web.get("/auditor/verify").text
    assert f'<tr data-case="{case.id}">' in failures and "件未通过" in failures


def test_a_case_whose_recorded_input_cannot_be_replayed_fails_on_its_pages(app, runtime, login_as, clock):
    case = Case.investigated(login_as)
    tamper_rows(runtime, *rechained(runtime, case.id, 2, lambda inputs: {**inputs, "taskId": {"a": 1}}))
    web = Web(app, "auditor")
    failed = "第 2 个事件起重放事件 2（complete）失败："
    assert f'<p class="verdict-bad">未通过：{failed}' in web.get(f"/auditor/cases/{case.id}").text
    assert f'<tr data-case="{case.id}">' in web.get("/auditor/verify").text
    step = web.get(f"/auditor/cases/{case.id}/events/2")
    assert step.status_code == 409 and "重放到事件 2 时失败" in step.text
    assert web.get(f"/auditor/cases/{case.id}/events/1").status_code == 200


@pytest.mark.parametrize("page, params, named", [
    ("/auditor/verify", {"caseId": "{id}"}, "caseId"),
    ("/auditor", {"q": "DB", "page": "2"}, "page"),
    ("/auditor/cases/{id}", {"full": "1"}, "full"),
    ("/auditor/cases/{id}/events/1", {"seq": "2"}, "seq"),
    ("/auditor", {"q": "张" * 41}, "q"),  # longer than the search box takes: refused, not cut
])
def test_the_auditor_pages_refuse_a_parameter_they_do_not_take_naming_it(app, login_as, clock, page, params, named):
    case = Case(login_as)
    answer = Web(app, "auditor").get(page.format(id=case.id), **{k: v.format(id=case.id) for k, v in params.items()})
    assert answer.status_code == 400 and f"{named}: " in answer.text



def test_a_verdict_on_the_pages_names_the_variables_by_their_labels(app, runtime, login_as, clock):
    case = Case.investigated(login_as)
    tamper_rows(runtime, *rechained(runtime, case.id, 2, lambda inputs: {
        **inputs, "variables": {**inputs["variables"], "per_capita_income": 9999.0}}))
    web = Web(app, "auditor")
    verdict = web.get(f"/auditor/cases/{case.id}").text.split('<p class="verdict-bad">')[1].split("</p>")[0]
    assert "数据变化不符：家庭月人均收入（元）" in verdict and "per_capita_income" not in verdict
    failure = web.get("/auditor/verify").text.split(f'<tr data-case="{case.id}">')[1].split("</tr>")[0]
    assert "人均收入" in failure and "per_capita_income" not in failure
