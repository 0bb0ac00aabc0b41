"""Deployments, definitions, users and groups, and single reads, as Camunda clients call them."""

import uuid

from tests.support.deployments import deploy_files
from tests.support.dibao_steps import Case

USER_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="临时流程" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" name="办理" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


def _deploy(login_as) -> tuple[str, dict]:
    key = f"repo_{uuid.uuid4().hex[:8]}"
    made = deploy_files(login_as("designer"), {f"{key}.bpmn": USER_TASK.format(key=key)}, name=key)
    assert made.status_code == 200, made.json
    return key, made.json


def test_a_deployment_is_listed_read_and_its_files_served(login_as):
    key, made = _deploy(login_as)
    api = login_as("auditor")
    assert [d["id"] for d in api.get("/deployment", name=key).json] == [made["id"]]
    assert api.get("/deployment/count", nameLike=f"{key}%").json == {"count": 1}
    assert api.get(f"/deployment/{made['id']}").json["name"] == key
    files = api.get(f"/deployment/{made['id']}/resources").json
    assert [f["name"] for f in files] == [f"{key}.bpmn"]
    data = api.get(f"/deployment/{made['id']}/resources/{files[0]['id']}/data")
    assert data.status_code == 200 and f'id="{key}"'.encode() in data.data
    assert api.get("/deployment/registered").json == []


def test_a_deployment_any_case_ran_on_is_kept(login_as):
    key, made = _deploy(login_as)
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {})
    assert started.status_code == 200
    refused = login_as("designer").delete(f"/deployment/{made['id']}?cascade=true")
    assert refused.status_code == 409
    assert login_as("designer").get(f"/deployment/{made['id']}").status_code == 200


def test_an_unused_deployment_is_deleted_with_its_definitions(login_as):
    key, made = _deploy(login_as)
    definition_id = next(iter(made["deployedProcessDefinitions"]))
    assert login_as("designer").delete(f"/deployment/{made['id']}").status_code == 204
    assert login_as("designer").get(f"/process-definition/{definition_id}").status_code == 404
    assert login_as("designer").get(f"/deployment/{made['id']}").status_code == 404


def test_a_deployment_for_an_unknown_county_is_refused(login_as):
    api = login_as("designer")
    from io import BytesIO

    response = api.client.post("/engine-rest/deployment/create", headers=api.headers,
                               content_type="multipart/form-data",
                               data={"tenant-id": "t1", "x.bpmn": (BytesIO(USER_TASK.format(key="tx").encode()),
                                                                   "x.bpmn")})
    assert response.status_code == 400 and response.json["field"] == "tenant-id"


def test_a_definition_by_id(login_as):
    key, made = _deploy(login_as)
    definition_id = next(iter(made["deployedProcessDefinitions"]))
    api = login_as("window_cg")
    assert api.get(f"/process-definition/{definition_id}").json["key"] == key
    assert f'id="{key}"' in api.get(f"/process-definition/{definition_id}/xml").json["bpmn20Xml"]
    assert api.get(f"/process-definition/{definition_id}/diagram").status_code == 204
    assert api.get(f"/process-definition/{definition_id}/startForm").json["key"] is None
    started = api.post(f"/process-definition/{definition_id}/start", {"businessKey": "BY-ID"})
    assert started.status_code == 200 and started.json["definitionId"] == definition_id


def test_the_processes_a_definition_calls(login_as):
    # the shipped diagram, version 1: other tests deploy later versions of the key
    dibao = login_as("auditor").get("/process-definition", key="dibao", version=1).json[0]
    called = login_as("auditor").get(f"/process-definition/{dibao['id']}/static-called-process-definitions").json
    assert [(c["key"], c["calledFromActivityIds"]) for c in called] == [("referral", ["refer_needs"])]


def test_users_and_groups_come_from_the_organisation(login_as):
    api = login_as("reviewer_cg")
    windows = api.get("/user", memberOfGroup="window").json
    ids = [u["id"] for u in windows]  # other tests add users of their own to 城关镇
    assert "window_cg" in ids and "window_hd" not in ids  # window_hd is in another township
    assert api.get("/user/window_hd/profile").status_code == 404
    assert api.get("/user/window_cg/profile").json["firstName"] == "城关镇受理窗口"
    assert api.get("/group/window").json == {"id": "window", "name": "受理窗口", "type": "WORKFLOW"}
    mine = api.get("/identity/groups", userId="window_cg").json
    assert mine["groups"] == [{"id": "window", "name": "受理窗口"}]
    assert "window_cg" in [u["id"] for u in mine["groupUsers"]]
    assert api.post("/group/count", {"idIn": ["window", "finance", "nobody"]}).json == {"count": 2}


def test_a_tasks_form_links_and_the_count_per_group(login_as):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    api = login_as("window_cg")
    assert api.get(f"/task/{task['id']}/form").json["key"] == "camunda-forms:deployment:dibao_accept.form"
    assert api.get(f"/task/{task['id']}/deployed-form").json["id"]
    assert api.get(f"/task/{task['id']}/identity-links").json == [
        {"userId": None, "groupId": "window", "type": "candidate"}]
    counts = {c["groupName"]: c["taskCount"] for c in api.get("/task/report/candidate-group-count").json}
    assert counts["window"] >= 1


def test_single_reads_of_a_case(login_as):
    case = Case(login_as)
    case.accept()
    api = login_as("supervisor")
    started = api.get("/history/activity-instance", processInstanceId=case.id, activityId="accept").json[0]
    assert api.get(f"/history/activity-instance/{started['id']}").json["activityName"] == "受理"
    variable = api.get(f"/history/variable-instance/{case.id}:household_size").json
    assert (variable["name"], variable["value"], variable["type"]) == ("household_size", 3, "Integer")
    assert login_as("auditor").get("/engine").json == [{"name": "default"}]
