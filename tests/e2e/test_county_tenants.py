"""Counties as tenants (Camunda's tenantId): two counties run their own 临时救助 diagram side by side, over HTTP.

泰安 (`ta`) accepts with one intake task (一窗受理); 陈仓 (`cc`) adds 一事一议 after it. Both are deployed under
the key of the province's shared `linshi`, which 示范县 (no version of its own) keeps using.
"""

import re
import uuid
from io import BytesIO

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import Api
from tests.support.diagrams import message_start
from tests.support.org import add_county, add_province_user
from tests.support.web_client import Web

COUNTIES = {"ta": ("泰安县", "tazhen"), "cc": ("陈仓县", "cczhen")}


def _linshi(*tasks: tuple[str, str]) -> str:
    """A 临时救助 diagram of the given user tasks (id, name) in a row, each offered to the window."""
    ids = [task_id for task_id, _ in tasks]
    flows = zip(["s", *ids], [*ids, "e"], strict=True)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">
  <bpmn:process id="linshi" name="临时救助" isExecutable="true">
    <bpmn:startEvent id="s" />
    {"".join(f'<bpmn:userTask id="{i}" name="{n}" camunda:candidateGroups="window" />' for i, n in tasks)}
    {"".join(f'<bpmn:sequenceFlow id="f{k}" sourceRef="{a}" targetRef="{b}" />' for k, (a, b) in enumerate(flows))}
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


TAIAN = _linshi(("intake", "一窗受理"))
CHENCANG = _linshi(("accept", "受理"), ("deliberation", "一事一议"))


@pytest.fixture(scope="module")
def counties(app):
    """Two more counties, each with a township, a window and a county designer."""
    runtime = app.extensions["runtime"]
    for code, (name, township) in COUNTIES.items():
        add_county(runtime, code, name, township, county_roles=("designer",))
    add_province_user(runtime, "auditor_province", "auditor", "省审计")
    return runtime


@pytest.fixture(scope="module")
def deployed(app, counties):
    client = app.test_client()
    taian = _deploy(Api(client, "designer"), TAIAN, "ta")  # the province deploys for any county
    chencang = _deploy(Api(client, "designer_cc"), CHENCANG, "cc")  # a county's designer for its own
    return client, taian, chencang


def _deploy(api, xml: str, tenant: str | None, filename: str = "linshi.bpmn"):
    data = {"tenant-id": tenant} if tenant else {}
    response = _deploy_with(api, {filename: xml}, data)
    assert response.status_code == 200, response.json
    return response.json


def _deploy_with(api, files: dict, fields: dict):
    data = {"deployment-name": "county", **fields}
    data.update({name: FileStorage(BytesIO(content.encode()), filename=name) for name, content in files.items()})
    boundary, payload = encode_multipart(data)
    return api.client.post("/engine-rest/deployment/create", data=payload, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")


def _start(client, county: str, key: str = "linshi") -> dict:
    started = Api(client, f"window_{county}").post(f"/process-definition/key/{key}/start",
                                                   {"businessKey": f"LS-{county}-{uuid.uuid4().hex[:8]}"})
    assert started.status_code == 200, started.json
    return started.json


def test_each_county_runs_its_own_diagram_and_the_others_the_shared_one(deployed, login_as):
    client, taian, chencang = deployed
    ta_definition = next(iter(taian["deployedProcessDefinitions"].values()))
    cc_definition = next(iter(chencang["deployedProcessDefinitions"].values()))
    assert (taian["tenantId"], ta_definition["tenantId"], ta_definition["version"]) == ("ta", "ta", 1)
    assert (cc_definition["tenantId"], cc_definition["version"]) == ("cc", 1)  # versions count per county
    ta_case, cc_case = _start(client, "ta"), _start(client, "cc")
    assert (ta_case["definitionId"], ta_case["tenantId"]) == (ta_definition["id"], "ta")
    assert (cc_case["definitionId"], cc_case["tenantId"]) == (cc_definition["id"], "cc")
    ta_task = Api(client, "window_ta").get("/task", processInstanceId=ta_case["id"]).json
    cc_task = Api(client, "window_cc").get("/task", processInstanceId=cc_case["id"]).json
    assert [(t["name"], t["tenantId"]) for t in ta_task] == [("一窗受理", "ta")]
    assert [(t["name"], t["tenantId"]) for t in cc_task] == [("受理", "cc")]
    # side by side: each completes on its own diagram — 泰安's ends, 陈仓's goes on to 一事一议
    assert Api(client, "window_ta").post(f"/task/{ta_task[0]['id']}/complete", {}).status_code == 204
    assert Api(client, "window_cc").post(f"/task/{cc_task[0]['id']}/complete", {}).status_code == 204
    assert [t["name"] for t in Api(client, "window_cc").get("/task", processInstanceId=cc_case["id"]).json] == [
        "一事一议"]
    history = Api(client, "auditor_province").get("/history/process-instance", processInstanceId=ta_case["id"]).json
    assert [(h["state"], h["tenantId"]) for h in history] == [("COMPLETED", "ta")]
    # 示范县 has no version of its own: its case starts on the province's shared 临时救助
    sfx_case = login_as("window_cg").post("/process-definition/key/linshi/start",
                                          {"businessKey": f"LS-sfx-{uuid.uuid4().hex[:8]}"}).json
    shared = login_as("designer").get("/process-definition", key="linshi", withoutTenantId="true",
                                      latestVersion="true").json
    assert sfx_case["definitionId"] == shared[0]["id"] and sfx_case["tenantId"] == "sfx"
    # a key a county has no version of starts on the shared one there too
    dibao = _start(client, "ta", "dibao")
    assert dibao["tenantId"] == "ta" and login_as("designer").get(
        f"/process-definition/{dibao['definitionId']}").json["tenantId"] is None


def test_the_tenant_filters_are_honoured_on_every_list(deployed, login_as):
    client, taian, _ = deployed
    designer, auditor = login_as("designer"), login_as("auditor_province")  # the province sees every county

    def keys(path, **params):
        api = auditor if path.startswith(("/history", "/task")) else designer
        rows = api.get(path, **params).json
        count = api.get(f"{path}/count", **params).json["count"]
        assert count == len(rows), (path, params)
        return sorted(r.get("tenantId") or r.get("tenantId ") or "-" for r in rows)

    latest = {"key": "linshi", "latestVersion": "true"}
    assert keys("/process-definition", **latest) == ["-", "cc", "ta"]
    assert keys("/process-definition", **latest, tenantIdIn="ta") == ["ta"]
    assert keys("/process-definition", **latest, withoutTenantId="true") == ["-"]
    assert keys("/process-definition", **latest, tenantIdIn="ta,cc", includeProcessDefinitionsWithoutTenantId="true"
                ) == ["-", "cc", "ta"]
    assert keys("/deployment", id=taian["id"], tenantIdIn="ta") == ["ta"]
    assert keys("/deployment", id=taian["id"], tenantIdIn="cc") == []
    assert keys("/deployment", id=taian["id"], withoutTenantId="true") == []
    _start(client, "ta")
    ta_cases = keys("/process-instance", processDefinitionKey="linshi", tenantIdIn="ta")
    assert ta_cases and set(ta_cases) == {"ta"}
    assert keys("/process-instance", processDefinitionKey="linshi", tenantIdIn="ta", withoutTenantId="true") == []
    assert set(keys("/task", processDefinitionKey="linshi", tenantIdIn="ta,cc")) == {"ta", "cc"}
    assert keys("/task", processDefinitionKey="linshi", tenantIdIn="nowhere") == []
    assert set(keys("/history/process-instance", processDefinitionKey="linshi", tenantIdIn="cc")) == {"cc"}
    assert set(keys("/history/task", processDefinitionKey="linshi", tenantIdIn="cc")) == {"cc"}
    assert set(keys("/history/activity-instance", tenantIdIn="ta", activityType="userTask")) == {"ta"}
    # a case of the shared definition belongs to its county, its definition to no tenant
    sfx_only = designer.get("/process-instance", processDefinitionKey="linshi", processDefinitionWithoutTenantId="true"
                            ).json
    assert sfx_only and {c["tenantId"] for c in sfx_only} == {"sfx"}


def test_a_county_sees_and_deploys_only_its_own(deployed, login_as):
    client, taian, _ = deployed
    county_designer = Api(client, "designer_cc")
    before = Api(client, "designer").get("/deployment/count", name="county").json
    seen = county_designer.get("/process-definition", key="linshi", latestVersion="true").json
    assert sorted(d["tenantId"] or "-" for d in seen) == ["-", "cc"]  # not 泰安's
    assert county_designer.get(f"/process-definition/{next(iter(taian['deployedProcessDefinitions']))}"
                               ).status_code == 404
    assert county_designer.get(f"/deployment/{taian['id']}").status_code == 404
    assert county_designer.get("/process-definition/key/linshi").json["tenantId"] == "cc"
    for fields in ({"tenant-id": "ta"}, {}):  # another county's, or the province's shared
        refused = _deploy_with(county_designer, {"x.bpmn": TAIAN.replace('"linshi"', '"x_cc"')}, fields)
        assert refused.status_code == 403 and refused.json["field"] == "tenant-id"
    form = _deploy_with(Api(client, "designer"), {"x.form": '{"id": "x", "components": []}'}, {"tenant-id": "ta"})
    assert form.status_code == 400 and form.json["file"] == "x.form"  # forms are the province's, shared
    unknown = _deploy_with(Api(client, "designer"), {"x.bpmn": TAIAN}, {"tenant-id": "nowhere"})
    assert unknown.status_code == 400 and unknown.json["field"] == "tenant-id"
    # an empty tenant-id names no county (a shared deployment goes without it); a repeated one names two
    for tenant in ("", ["ta", "cc"]):
        refused = _deploy_with(Api(client, "designer"), {"x.bpmn": TAIAN}, {"tenant-id": tenant})
        assert refused.status_code == 400 and refused.json["field"] == "tenant-id", refused.json
    assert Api(client, "designer").get("/deployment/count", name="county").json == before
    # a version of another county's cannot start a case here, and is as unknown as when read
    ta_definition = next(iter(taian["deployedProcessDefinitions"]))
    read = Api(client, "window_cc").get(f"/process-definition/{ta_definition}")
    other = Api(client, "window_cc").post(f"/process-definition/{ta_definition}/start", {})
    assert (other.status_code, other.json) == (read.status_code, read.json), other.json
    assert other.status_code == 404 and other.json["field"] == "id"


def test_a_key_within_a_county_is_that_countys_own_latest_version(deployed, login_as):
    client = deployed[0]
    key = f"lt_{uuid.uuid4().hex[:8]}"
    designer = Api(client, "designer")
    shared = _deploy(designer, TAIAN.replace('"linshi"', f'"{key}"'), None, f"{key}.bpmn")
    _deploy(designer, TAIAN.replace('"linshi"', f'"{key}"'), "ta", f"{key}.bpmn")
    second = _deploy(designer, CHENCANG.replace('"linshi"', f'"{key}"'), "ta", f"{key}.bpmn")
    ta_latest = next(iter(second["deployedProcessDefinitions"]))
    base = f"/process-definition/key/{key}/tenant-id/ta"
    found = designer.get(base).json
    assert (found["id"], found["tenantId"], found["version"]) == (ta_latest, "ta", 2)
    assert "一事一议" in designer.get(f"{base}/xml").json["bpmn20Xml"]
    assert designer.get(f"{base}/diagram").status_code == 204
    assert designer.get(f"{base}/startForm").json["key"] is None
    # no fallback to the shared version (which the plain key lookup would find), none to another county's
    assert Api(client, "designer_cc").get(f"/process-definition/key/{key}").json["id"] == next(
        iter(shared["deployedProcessDefinitions"]))
    for api, path in ((designer, f"/process-definition/key/{key}/tenant-id/cc"), (Api(client, "designer_cc"), base)):
        missing = api.get(path)
        assert missing.status_code == 404 and missing.json["field"] == "tenant-id", missing.json
    started = Api(client, "window_ta").post(f"{base}/start", {"businessKey": f"LT-{uuid.uuid4().hex[:8]}"})
    assert started.status_code == 200 and started.json["definitionId"] == ta_latest, started.json
    assert Api(client, "window_cc").post(f"{base}/start", {}).status_code == 404
    # suspension of a key within a county: that county's latest version only
    assert designer.put(f"{base}/suspended", {"suspended": True}).status_code == 204
    states = {(d["tenantId"], d["version"]): d["suspended"] for d in designer.get("/process-definition", key=key).json}
    assert states == {("ta", 1): False, ("ta", 2): True, (None, 1): False}
    refused = Api(client, "window_ta").post(f"{base}/start", {})
    assert refused.status_code in (400, 409), refused.json
    assert designer.put(f"{base}/suspended", {"suspended": False}).status_code == 204
    assert designer.put(f"/process-definition/key/{key}/tenant-id/cc/suspended", {"suspended": True}
                        ).json["field"] == "tenant-id"



def test_suspending_by_key_changes_the_version_the_key_names_there_and_only_its_cases(deployed, login_as):
    client = deployed[0]
    key = f"sk_{uuid.uuid4().hex[:8]}"
    designer = Api(client, "designer")
    ids = {}
    for tenant in (None, None, "ta", "ta", "cc"):
        made = _deploy(designer, TAIAN.replace('"linshi"', f'"{key}"'), tenant, f"{key}.bpmn")
        definition = next(iter(made["deployedProcessDefinitions"].values()))
        ids[(tenant, definition["version"])] = definition["id"]

    def start(username: str, definition_id: str) -> str:
        started = login_as(username).post(f"/process-definition/{definition_id}/start",
                                          {"businessKey": f"SK-{uuid.uuid4().hex[:8]}"})
        assert started.status_code == 200, started.json
        return started.json["id"]

    cases = {(c, v): start(u, ids[(c, v)]) for c, v, u in ((None, 1, "window_cg"), (None, 2, "window_cg"),
                                                           ("ta", 1, "window_ta"), ("ta", 2, "window_ta"),
                                                           ("cc", 1, "window_cc"))}

    def suspended_after(api, path: str, change: dict, status: int = 204, field: str | None = None) -> set:
        """The versions and cases suspended after `change`, which is then undone."""
        done = api.put(path, {"includeProcessInstances": True, **change, "suspended": True})
        assert done.status_code == status and (field is None or done.json["field"] == field), done.json
        versions = {(d["tenantId"], d["version"]) for d in designer.get("/process-definition", key=key).json
                    if d["suspended"]}
        moved = {v for v, case in cases.items() if designer.get(f"/process-instance/{case}").json["suspended"]}
        assert moved == (versions if status == 204 else set())
        for version in versions:
            assert designer.put(f"/process-definition/{ids[version]}/suspended",
                                {"suspended": False, "includeProcessInstances": True}).status_code == 204
        return versions

    by_key = f"/process-definition/key/{key}/suspended"
    # the key: its latest version that GET …/key/{key} gives the caller (the province: the shared one)
    assert suspended_after(designer, by_key, {}) == {(None, 2)}
    assert suspended_after(designer, f"/process-definition/key/{key}/tenant-id/ta/suspended", {}) == {("ta", 2)}
    assert suspended_after(Api(client, "designer_cc"), by_key, {}) == {("cc", 1)}
    # a county without a version of its own reads the shared one, which only the province suspends
    assert suspended_after(login_as("designer_sfx"), by_key, {}, 403, "key") == set()
    # every version of the key: all the caller sees, or none when a county's designer would touch shared ones
    every = {"processDefinitionKey": key}
    assert suspended_after(designer, "/process-definition/suspended", every) == set(ids)
    assert suspended_after(Api(client, "designer_cc"), "/process-definition/suspended", every, 403,
                           "processDefinitionKey") == set()
    assert suspended_after(designer, by_key, every, 400, "processDefinitionKey") == set()


def test_a_case_migrates_within_its_county_or_between_it_and_the_shared_versions(deployed):
    client = deployed[0]
    key = f"mg_{uuid.uuid4().hex[:8]}"
    designer = Api(client, "designer")
    shared, ta, cc = (next(iter(_deploy(designer, TAIAN.replace('"linshi"', f'"{key}"'), tenant, f"{key}.bpmn")[
        "deployedProcessDefinitions"])) for tenant in (None, "ta", "cc"))

    def plan(source: str, target: str) -> dict:
        return {"sourceProcessDefinitionId": source, "targetProcessDefinitionId": target,
                "instructions": [{"sourceActivityIds": ["intake"], "targetActivityIds": ["intake"]}]}

    def on_shared(county: str) -> str:
        started = Api(client, f"window_{county}").post(f"/process-definition/{shared}/start",
                                                       {"businessKey": f"MG-{uuid.uuid4().hex[:8]}"})
        assert started.status_code == 200, started.json
        return started.json["id"]

    ta_case, cc_case = on_shared("ta"), on_shared("cc")
    # another county's version is unknown to a county's user, as reading it answers
    county_designer = Api(client, "designer_cc")
    for source, target, field in ((shared, ta, "targetProcessDefinitionId"), (ta, shared, "sourceProcessDefinitionId")):
        pair = {"sourceProcessDefinitionId": source, "targetProcessDefinitionId": target}
        for path, request in (("generate", pair), ("validate", plan(source, target)),
                              ("execute", {"migrationPlan": plan(source, target), "processInstanceIds": [cc_case]})):
            unknown = county_designer.post(f"/migration/{path}", request)
            assert (unknown.status_code, unknown.json["field"]) == (404, field), (path, unknown.json)
    # never between two counties' own versions (Camunda: no migration between tenants)
    between = designer.post("/migration/validate", plan(cc, ta))
    assert between.status_code == 400 and between.json["field"] == "targetProcessDefinitionId", between.json
    # a case moves to its own county's version or to a shared one, never to another county's
    stranger = designer.post("/migration/execute", {"migrationPlan": plan(shared, ta), "processInstanceIds": [cc_case]})
    assert stranger.status_code == 400 and stranger.json["field"] == "processInstanceIds", stranger.json
    for source, target in ((shared, ta), (ta, shared)):
        moved = designer.post("/migration/execute", {"migrationPlan": plan(source, target),
                                                     "processInstanceIds": [ta_case]})
        assert moved.status_code == 204, moved.json
        assert designer.get(f"/process-instance/{ta_case}").json["definitionId"] == target
    assert designer.get(f"/process-instance/{cc_case}").json["definitionId"] == shared


def test_the_start_page_offers_each_process_once_as_a_start_by_key_runs_it(deployed, app):
    """A window sees its county's own version of a key, else the shared one — never another county's diagram."""
    def offered(username: str) -> list[str]:
        page = Web(app, username).get("/cases/new").text
        return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", label)).strip() for label in
                re.findall(r'value="linshi"[^>]*>(.*?)</label>', page, re.S)]

    assert offered("window_ta") == ["临时救助 （泰安县第 1 版）"]  # 泰安's own
    assert offered("window_cc") == ["临时救助 （陈仓县第 1 版）"]  # 陈仓's own
    assert offered("window_cg") == ["临时救助审批 （省级共享第 1 版）"]  # 示范县: the province's shared diagram


def test_tenant_filters_given_together_answer_as_camunda(deployed, login_as):
    designer, auditor = login_as("designer"), login_as("auditor_province")
    # Camunda's query keeps its later call, withoutTenantId: the shared rows only, as withoutTenantId alone
    for path, params in (("/process-definition", {"key": "linshi"}), ("/deployment", {}),
                         ("/decision-definition", {})):
        shared = designer.get(f"{path}/count", **params, withoutTenantId="true").json["count"]
        assert shared, path
        assert designer.get(f"{path}/count", **params, tenantIdIn="ta,cc", withoutTenantId="true"
                            ).json == {"count": shared}, path
        listed = designer.get(path, **params, tenantIdIn="ta", withoutTenantId="true").json
        assert len(listed) == shared and {row["tenantId"] for row in listed} == {None}, path
    assert designer.get("/process-definition/count", key="linshi", tenantIdIn="ta", withoutTenantId="true",
                        includeProcessDefinitionsWithoutTenantId="true").json == {"count": 1}
    # Camunda's task query refuses the pair
    for refused in (auditor.get("/task", tenantIdIn="ta", withoutTenantId="true"),
                    auditor.post("/task/count", {"tenantIdIn": ["ta"], "withoutTenantId": True})):
        assert refused.status_code == 400, refused.json
        assert {e["field"] for e in refused.json["errors"]} == {"tenantIdIn", "withoutTenantId"}
    assert auditor.get("/task", tenantIdIn="ta", withoutTenantId="false").status_code == 200


def test_an_empty_tenant_list_is_refused_on_the_variable_lists(deployed, login_as):
    auditor = login_as("auditor_province")
    for refused in (auditor.get("/history/variable-instance/count", tenantIdIn=""),
                    auditor.get("/history/variable-instance", tenantIdIn=","),
                    auditor.post("/history/variable-instance/count", {"tenantIdIn": []})):
        assert refused.status_code == 400 and refused.json["field"] == "tenantIdIn", refused.json
    _start(deployed[0], "ta")
    ta = auditor.get("/history/variable-instance/count", tenantIdIn="ta").json["count"]
    assert ta and auditor.post("/history/variable-instance/count", {"tenantIdIn": ["ta"], "withoutTenantId": True}
                               ).json == {"count": 0}


def test_a_user_is_a_member_of_their_countys_tenant(deployed, login_as):
    province = login_as("auditor_province")
    members = [u["id"] for u in province.get("/user", memberOfTenant="ta").json]
    assert "window_ta" in members and "designer_ta" in members
    assert not {"window_cc", "designer", "auditor_province", "window_cg"} & set(members)  # the province: in none
    assert province.get("/user/count", memberOfTenant="cc").json["count"] == len(
        province.get("/user", memberOfTenant="cc").json) > 0
    for nowhere in ("nowhere", "ta/tazhen", "", "t%"):
        assert province.get("/user/count", memberOfTenant=nowhere).json == {"count": 0}, nowhere
    assert login_as("supervisor").get("/user/count", memberOfTenant="ta").json == {"count": 0}  # 示范县's: not in scope
    # groups are roles every county shares: no tenant's members
    for refused in (province.get("/group", memberOfTenant="ta"),
                    province.post("/group/count", {"memberOfTenant": "ta"})):
        assert refused.status_code == 400 and refused.json["field"] == "memberOfTenant", refused.json


def _message_process(key: str, message: str, task: str = "核实") -> str:
    """A process that starts at the message `message` (carrying the township) and waits at a window task."""
    return message_start(key, message, task=task)


def _report(client, county: str, message: str):
    return Api(client, f"window_{county}").post("/message", {
        "messageName": message, "businessKey": f"MS-{county}-{uuid.uuid4().hex[:8]}", "resultEnabled": True,
        "processVariables": {"township": {"value": COUNTIES[county][1], "type": "String"}}})


def test_a_message_start_resolves_among_the_countys_processes_then_the_shared_ones(deployed, login_as):
    client = deployed[0]
    secret, message = f"cc_secret_{uuid.uuid4().hex[:6]}", f"cc_ping_{uuid.uuid4().hex[:6]}"
    _deploy(Api(client, "designer_cc"), _message_process(secret, message), "cc", f"{secret}.bpmn")
    unknown = _report(client, "ta", message)  # as for any message no process starts and no case awaits
    assert unknown.status_code == 400 and unknown.json["field"] == "messageName", unknown.json
    assert secret not in str(unknown.json) and "没有案件在等待消息" in unknown.json["message"]
    started = _report(client, "cc", message)
    assert started.status_code == 200, started.json
    case = started.json[0]["processInstance"]
    assert case["tenantId"] == "cc" and case["definitionId"].startswith(f"{secret}:1:")
    # one key, the shared version and a county's own: the county's starts its cases, the others' the shared one
    key, shared_message = f"found_{uuid.uuid4().hex[:6]}", f"found_ping_{uuid.uuid4().hex[:6]}"
    designer = Api(client, "designer")
    _deploy(designer, _message_process(key, shared_message), None, f"{key}.bpmn")
    own = _deploy(designer, _message_process(key, shared_message, "泰安核实"), "ta", f"{key}.bpmn")
    for county, tenant in (("ta", "ta"), ("cc", None)):
        started = _report(client, county, shared_message)
        assert started.status_code == 200, started.json
        case = started.json[0]["processInstance"]
        assert case["tenantId"] == county and case["definitionId"].startswith(f"{key}:1:")
        definition = designer.get(f"/process-definition/{case['definitionId']}").json
        assert definition["tenantId"] == tenant
    assert next(iter(own["deployedProcessDefinitions"])).startswith(f"{key}:1:")


def test_a_second_key_starting_at_a_message_a_county_sees_is_refused_at_deployment(deployed, login_as):
    client = deployed[0]
    county_designer, designer = Api(client, "designer_cc"), Api(client, "designer")
    mine = f"cc_disc_{uuid.uuid4().hex[:6]}"
    refused = _deploy_with(county_designer, {f"{mine}.bpmn": _message_process(mine, "proactive_discovery")},
                           {"tenant-id": "cc"})  # the shared 低保 starts at it: which would the message start?
    assert refused.status_code == 400, refused.json
    assert (refused.json["file"], refused.json["element"]) == (f"{mine}.bpmn", "found")
    assert all(word in refused.json["message"] for word in ("proactive_discovery", mine, "dibao"))
    assert designer.get("/process-definition", key=mine).json == []
    # per county: two counties' own keys may share a message name, which the province then cannot take
    message = f"local_{uuid.uuid4().hex[:6]}"
    ta_key, cc_key, shared_key = (f"{c}_{uuid.uuid4().hex[:6]}" for c in ("ta", "cc", "sh"))
    _deploy(designer, _message_process(ta_key, message), "ta", f"{ta_key}.bpmn")
    _deploy(county_designer, _message_process(cc_key, message), "cc", f"{cc_key}.bpmn")
    refused = _deploy_with(designer, {f"{shared_key}.bpmn": _message_process(shared_key, message)}, {})
    assert refused.status_code == 400 and refused.json["element"] == "found", refused.json
    assert message in refused.json["message"] and shared_key in refused.json["message"]
    # two keys of one deployment
    one, two = f"one_{uuid.uuid4().hex[:6]}", f"two_{uuid.uuid4().hex[:6]}"
    both = _deploy_with(designer, {f"{one}.bpmn": _message_process(one, message + "_x"),
                                   f"{two}.bpmn": _message_process(two, message + "_x")}, {})
    assert both.status_code == 400 and message + "_x" in both.json["message"], both.json
    assert designer.get("/process-definition", key=one).json == []


def test_a_business_key_is_one_active_case_per_process_within_a_county(deployed, app, login_as):
    """Counties are kept apart, as Camunda keeps tenants apart: another county's active case of the process
    neither holds the key nor shows through a refusal; within the county the rule and its message are as before."""
    client = deployed[0]
    business_key = f"LS-K-{uuid.uuid4().hex[:8]}"
    starts = {county: Api(client, f"window_{county}").post("/process-definition/key/linshi/start",
                                                            {"businessKey": business_key}) for county in ("ta", "cc")}
    assert [r.status_code for r in starts.values()] == [200, 200], [r.json for r in starts.values()]
    assert {r.json["tenantId"] for r in starts.values()} == {"ta", "cc"}
    again = Api(client, "window_ta").post("/process-definition/key/linshi/start", {"businessKey": business_key})
    assert again.status_code == 409 and again.json["field"] == "businessKey", again.json
    assert starts["ta"].json["id"] in again.json["message"] and starts["cc"].json["id"] not in again.json["message"]
    assert "同时发起" not in again.json["message"]
    # the page start, with a key another county's case holds
    shared_key = f"DB-K-{uuid.uuid4().hex[:8]}"
    held = Api(client, "window_cc").post("/process-definition/key/linshi/start", {"businessKey": shared_key})
    assert held.status_code == 200, held.json
    page = Web(app, "window_ta").post("/cases/new", {"process": "linshi", "business_key": shared_key})
    assert page.status_code == 302, re.sub(r"\s+", " ", page.text)[-600:]


def test_two_keys_starting_at_one_message_deployed_before_the_rule_are_refused_not_picked(deployed, app):
    from app.store.tables import ProcessDefinition

    client, runtime = deployed[0], app.extensions["runtime"]
    message = f"twice_{uuid.uuid4().hex[:6]}"
    keys = sorted(f"{name}_{uuid.uuid4().hex[:6]}" for name in ("first", "second"))
    for key, sent in zip(keys, (message, message + "_other"), strict=True):
        _deploy(Api(client, "designer_cc"), _message_process(key, sent), "cc", f"{key}.bpmn")
    with runtime.unit_of_work() as uow:  # as a deployment before the refusal could have left them
        row = uow.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == keys[1]))
        row.activities = {**row.activities, "found": {**row.activities["found"], "message": message}}
        uow.commit()
    refused = _report(client, "cc", message)
    assert refused.status_code == 400 and refused.json["field"] == "messageName", refused.json
    assert all(key in refused.json["message"] for key in keys)
    assert Api(client, "designer").get("/process-instance", processDefinitionKey=keys[0]).json == []
