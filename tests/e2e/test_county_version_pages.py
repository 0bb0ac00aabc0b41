"""The pages with counties' own versions of a process (Camunda tenants): which version a county starts, which
version and whose a case runs on, and each task named as its own version names it — over HTTP.

Every test deploys a key of its own: a shared version, and 陈仓 (`cc`) versions of its own that rename the step;
泰安 (`ta`) and 示范县 have none, so they use the shared one.
"""

import csv
import io
import re
import uuid

import pytest

from tests.conftest import Api
from tests.support.deployments import deploy_files
from tests.support.org import add_county, add_province_user
from tests.support.web_client import Web

PAST = "2020-01-06T09:00:00+08:00"  # a due date long gone: every task of these processes is overdue


def _process(key: str, name: str, step: str, start: str = '<bpmn:startEvent id="s" />', root: str = "") -> str:
    """A process start → `t` (the window's, named `step`, overdue at once, with a reminder timer `late` named
    `step`时限 that escalates it when fired) → end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">{root}
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    {start}<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" name="{step}" camunda:candidateGroups="window" camunda:dueDate="{PAST}" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
    <bpmn:boundaryEvent id="late" name="{step}时限" cancelActivity="false" attachedToRef="t">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="reminded" /><bpmn:endEvent id="reminded" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(scope="module")
def web_app(app):
    """泰安 and 陈仓 beside 示范县, each with a window, a designer and a supervisor; a province supervisor."""
    runtime = app.extensions["runtime"]
    for code, name, township in (("ta", "泰安县", "tazhen"), ("cc", "陈仓县", "cczhen")):
        add_county(runtime, code, name, township, county_roles=("designer", "supervisor"))
    add_province_user(runtime, "supervisor_province", "supervisor", "省督导")
    add_province_user(runtime, "auditor_province", "auditor", "省审计")
    return app


def _deploy(app, username: str, xml: str, key: str, tenant: str | None = None) -> dict:
    form = {"tenant-id": tenant} if tenant else {}
    response = deploy_files(Api(app.test_client(), username), {f"{key}.bpmn": xml}, **form)
    assert response.status_code == 200, response.json
    return next(iter(response.json["deployedProcessDefinitions"].values()))


def _versions(app, key: str, shared_steps: tuple[str, ...], county_steps: tuple[str, ...]) -> dict:
    """The shared versions and 陈仓's own of `key` (by the province's and 陈仓's designers), each naming the step
    as given: {(tenant, version): definition}."""
    made = {}
    for tenant, username, steps in ((None, "designer", shared_steps), ("cc", "designer_cc", county_steps)):
        for step in steps:
            definition = _deploy(app, username, _process(key, f"版本{key[-4:]}", step), key, tenant)
            made[(tenant, definition["version"])] = definition
    return made


def _offered(app, username: str, key: str) -> list[str]:
    """The 新建申请 choices of `key` as the user reads them."""
    page = Web(app, username).get("/cases/new").text
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", label)).strip()
            for label in re.findall(rf'value="{key}"[^>]*>(.*?)</label>', page, re.S)]


def _start(app, username: str, key: str) -> str:
    """Start a case of `key` from 新建申请; its id."""
    web = Web(app, username)
    started = web.post("/cases/new", {"process": key, "business_key": f"VP-{uuid.uuid4().hex[:8]}"})
    assert started.status_code == 302, started.text
    task_page = web.get(started.headers["Location"]).text
    return re.search(r'/cases/([0-9a-f-]{36})', task_page)[1]


def test_a_countys_new_version_never_hides_the_process_from_another_county(web_app):
    key = f"vp_{uuid.uuid4().hex[:8]}"
    made = _versions(web_app, key, ("受理",), ("陈仓受理", "陈仓再受理"))  # 陈仓: versions 1 and 2
    name = f"版本{key[-4:]}"
    # each county is offered the version a start by key runs there, named with whose it is
    assert _offered(web_app, "window_ta", key) == [f"{name} （省级共享第 1 版）"]
    assert _offered(web_app, "window_cg", key) == [f"{name} （省级共享第 1 版）"]
    assert _offered(web_app, "window_cc", key) == [f"{name} （陈仓县第 2 版）"]
    case = _start(web_app, "window_ta", key)
    assert Api(web_app.test_client(), "designer").get(f"/process-instance/{case}").json["definitionId"] == made[
        (None, 1)]["id"]
    # REST: latestVersion is the latest per county, among the versions the caller sees
    for username, expected in (("window_ta", [(None, 1)]), ("designer_cc", [("cc", 2), (None, 1)]),
                               ("designer", [("cc", 2), (None, 1)])):
        api = Api(web_app.test_client(), username)
        listed = api.get("/process-definition", key=key, latestVersion="true").json
        assert sorted(((d["tenantId"], d["version"]) for d in listed), key=str) == sorted(expected, key=str), username
        assert api.get("/process-definition/count", key=key, latestVersion="true").json == {"count": len(expected)}


def test_the_case_pages_say_which_version_and_whose_a_case_runs_on(web_app):
    key = f"vc_{uuid.uuid4().hex[:8]}"
    _versions(web_app, key, ("受理",), ("陈仓受理", "陈仓再受理"))
    shared, own = _start(web_app, "window_ta", key), _start(web_app, "window_cc", key)
    for username, case, words in (("window_ta", shared, "按省级共享第 1 版办理"),
                                  ("window_cc", own, "按陈仓县第 2 版办理")):
        page = Web(web_app, username).get(f"/cases/{case}").text
        assert f'<span id="case-version">{words}</span>' in page, username
        for path in (f"/cases/{case}", f"/auditor/cases/{case}"):
            assert f'<span id="case-version">{words}</span>' in Web(web_app, "auditor_province").get(path).text
    # the case page names its steps as the case's own version does
    assert "陈仓再受理" in Web(web_app, "window_cc").get(f"/cases/{own}").text


def test_only_versions_a_start_by_hand_can_begin_are_offered(web_app):
    key, message_only = f"vs_{uuid.uuid4().hex[:8]}", f"vm_{uuid.uuid4().hex[:8]}"
    _versions(web_app, key, ("受理",), ("陈仓受理",))
    # a process whose only start is a message start is started by its message, never from 新建申请
    start = '<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>'
    _deploy(web_app, "designer", _process(message_only, "主动发现", "核实", start,
                                          f'<bpmn:message id="m" name="{message_only}_found" />'), message_only)
    assert _offered(web_app, "window_cg", message_only) == []
    # 陈仓's own version suspended: a start by key there is refused, so it is not offered — the shared one still is
    designer = Api(web_app.test_client(), "designer")
    assert designer.put(f"/process-definition/key/{key}/tenant-id/cc/suspended", {"suspended": True}).status_code == 204
    assert _offered(web_app, "window_cc", key) == []
    assert _offered(web_app, "window_ta", key) == [f"版本{key[-4:]} （省级共享第 1 版）"]
    # a request made by hand is refused in words: the process and whose version, no definition id
    refused = Web(web_app, "window_cc").post("/cases/new", {"process": key})
    assert refused.status_code == 409
    message = re.search(r'role="alert">([^<]*)<', refused.text)[1]
    assert message == f"版本{key[-4:]}（陈仓县第 1 版）已挂起，不能发起新案件", message
    assert designer.put(f"/process-definition/key/{key}/tenant-id/cc/suspended", {"suspended": False}
                        ).status_code == 204
    assert _offered(web_app, "window_cc", key) == [f"版本{key[-4:]} （陈仓县第 1 版）"]


def _late_rows(page: str) -> list[tuple[str, str, int]]:
    """The 超期与即将到期 table: (township, step, overdue)."""
    return [(t, s, int(n)) for t, s, n in re.findall(
        r'<tr data-township="([^"]*)" data-step="([^"]*)">.*?<td>(?:<span class="badge overdue">)?(\d+)',
        page.split('id="late-by-step"')[1].split("</table>")[0], re.S)]


def _exported(web: Web, key: str) -> list[tuple[str, str]]:
    """The late tasks' export as (township, step) rows."""
    return sorted((row["乡镇（街道）"], row["环节"]) for row in _csv(web, "tasks", process=key))


def _csv(web: Web, table: str, **params) -> list[dict]:
    return list(csv.DictReader(io.StringIO(web.get(f"/supervisor/export/{table}.csv", **params).data.decode(
        "utf-8-sig"))))


def test_each_task_is_named_as_its_own_version_names_it_on_the_page_and_in_the_export(web_app):
    key = f"vn_{uuid.uuid4().hex[:8]}"
    _versions(web_app, key, ("受理",), ("陈仓受理",))
    for username in ("window_ta", "window_cc", "window_cc", "window_cg"):
        _start(web_app, username, key)
    province = Web(web_app, "supervisor_province")
    page = province.get("/supervisor", process=key).text
    # 陈仓's two tasks are the majority: their wording never labels 泰安's or 示范县's task
    assert sorted(_late_rows(page)) == [("城关镇", "受理", 1), ("泰安县镇", "受理", 1), ("陈仓县镇", "陈仓受理", 2)]
    expected = [("城关镇", "受理"), ("泰安县镇", "受理"), ("陈仓县镇", "陈仓受理"), ("陈仓县镇", "陈仓受理")]
    assert _exported(province, key) == expected
    details = page.split('id="overdue-tasks"')[1].split("</table>")[0]
    assert details.count("<td>陈仓受理</td>") == 2 and details.count("<td>受理</td>") == 2
    county = Web(web_app, "supervisor_cc")
    assert _late_rows(county.get("/supervisor", process=key).text) == [("陈仓县镇", "陈仓受理", 2)]
    assert _exported(county, key) == [("陈仓县镇", "陈仓受理")] * 2
    # the heatmap says whose diagram it is and which versions its counts hold, each step as its version names it
    assert "各环节等待中的案件（版本" in page and "流程图为省级共享第 1 版）" in page
    assert "计数含按各版本办理的案件：省级共享第 1 版、陈仓县第 1 版" in page
    waiting = re.findall(r'<tr data-activity="t"><td>([^<]*)</td><td>(\d+)</td><td>([^<]*)</td>', page)
    assert sorted(waiting) == [("受理", "2", "省级共享第 1 版"), ("陈仓受理", "2", "陈仓县第 1 版")]
    own = county.get("/supervisor", process=key).text
    assert "流程图为陈仓县第 1 版）" in own and "计数含" not in own


def test_timers_and_escalations_are_named_as_their_cases_version_names_them(web_app):
    key = f"ve_{uuid.uuid4().hex[:8]}"
    _versions(web_app, key, ("受理",), ("陈仓受理",))
    cases = {username: _start(web_app, username, key) for username in ("window_ta", "window_cc")}
    province = Web(web_app, "supervisor_province")
    timers = province.get("/supervisor/timers", process=key).text
    named = re.findall(r'<tr data-job="([^"]+)" data-activity="late".*?<td>[^<]*</td><td>([^<]*)</td>', timers, re.S)
    assert sorted(name for _, name in named) == ["受理时限", "陈仓受理时限"]
    for job_id, _ in named:
        assert province.post(f"/supervisor/timers/{job_id}", {"action": "fire"}).status_code == 302
    page = province.get("/supervisor", process=key).text
    rows = {case: re.search(rf'<tr data-escalation="\d+" data-state="OPEN">\s*<td><a href="/cases/{case}">.*?</td>'
                            r'\s*<td>[^<]*</td><td>([^<]*)</td>', page, re.S)[1] for case in cases.values()}
    assert rows == {cases["window_ta"]: "受理", cases["window_cc"]: "陈仓受理"}
    exported = {(row["业务编号"][:3], row["超时环节"], row["期限"]) for row in _csv(province, "escalations")
                if row["业务"] == f"版本{key[-4:]}"}
    assert exported == {("VP-", "受理", "受理时限"), ("VP-", "陈仓受理", "陈仓受理时限")}


def test_the_compliance_exports_are_offered_only_for_a_process_with_a_compliance_measure(web_app):
    web = Web(web_app, "supervisor")
    assert "达标情况 Excel" in web.get("/supervisor", process="dibao").text
    linshi = web.get("/supervisor", process="linshi").text
    assert "尚无时限考核口径" in linshi and "达标情况" not in linshi
    assert web.get("/supervisor/export/compliance.csv", process="linshi").status_code == 400  # as before


def test_the_province_heatmap_of_a_process_only_a_county_has_draws_that_countys_version(web_app):
    key = f"vo_{uuid.uuid4().hex[:8]}"
    _deploy(web_app, "designer_cc", _process(key, f"版本{key[-4:]}", "陈仓受理"), key, "cc")
    _start(web_app, "window_cc", key)
    page = Web(web_app, "supervisor_province").get("/supervisor", process=key)
    assert page.status_code == 200 and "流程图为陈仓县第 1 版）" in page.text
    assert re.findall(r'<tr data-activity="t"><td>([^<]*)</td><td>(\d+)</td>', page.text) == [("陈仓受理", "1")]
