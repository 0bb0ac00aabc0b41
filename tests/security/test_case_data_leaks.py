"""Red-team cases of issue 22: case data that reached a page, a command's answer, a worker or a message
unmasked, unscoped or unlogged. Each asserts what the one door must give instead."""

import json
import re
import uuid
from xml.sax.saxutils import escape

import pytest

from tests.conftest import typed
from tests.support import diagrams as d
from tests.support.deployments import deploy_files
from tests.support.marked import MARKED, MARKED_ACCOUNT, MASKED, MarkedCase, access_log, leaked
from tests.support.web_client import Web

MASKED_READERS = ("auditor", "supervisor", "designer", "village_cg", "finance")


def _referred(login_as) -> tuple[MarkedCase, dict]:
    case = MarkedCase(login_as)
    case.accept_marked(needs=["医疗"], note="慢性病，住院自付费用高")
    return case, case.task("dept_medical_user", "referral_accept")


def _in_publicity(login_as) -> MarkedCase:
    case = MarkedCase(login_as)
    case.accept_marked()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=300.0,
                  proposed_amount_reason="收入为一次性所得")
    return case


@pytest.mark.parametrize("user", MASKED_READERS)
def test_the_task_page_of_a_reopened_accept_fills_no_input_with_a_whole_personal_value(app, login_as, clock, user):
    case = MarkedCase(login_as)
    task = case.reopened_accept()
    page = Web(app, user).get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    assert leaked(page.text) == []
    assert MASKED["id_number"] in page.text  # shown, masked, as the facts beside the form show it
    assert access_log(login_as, case.id)[0] == (user, "web task page", True)


def test_the_worker_of_a_reopened_accept_still_sees_the_facts_whole(app, login_as, clock):
    case = MarkedCase(login_as)
    task = case.reopened_accept()
    page = Web(app, "window_cg").get(f"/tasks/{task['id']}").text
    assert re.search(rf'name="id_number"[^>]*value="{MARKED["id_number"]}"', page)


def test_a_department_completing_a_referral_gets_back_its_task_masked_not_the_case_and_it_is_logged(login_as, clock):
    case, task = _referred(login_as)
    response = login_as("dept_medical_user").post(f"/task/{task['id']}/complete", {
        "variables": typed(referral_decision="accept"), "withVariablesInReturn": True})
    assert response.status_code == 200, response.json
    assert leaked(response.text) == []
    assert response.json["applicant_name"]["value"] == MASKED["applicant_name"]
    assert response.json["need"]["value"] == "医疗" and response.json["referral_decision"]["value"] == "accept"
    assert not {"household_size", "id_number", "phone", "village"} & set(response.json)
    # the read is logged against the referral, a process instance of its own
    assert access_log(login_as, task["processInstanceId"])[0] == ("dept_medical_user", "task completion result", True)


def test_with_variables_in_return_masks_the_case_for_a_village_user_and_is_logged(login_as, clock):
    case = _in_publicity(login_as)
    objection = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": typed(objection_text="申请人有营运车辆")})
    assert objection.status_code == 204, objection.json
    task = case.task("village_cg", "democratic_appraisal")
    response = login_as("village_cg").post(f"/task/{task['id']}/complete", {"withVariablesInReturn": True,
                                                                           "variables": typed(
        participants="赵六,钱七,孙八", appraisal_result="support", appraisal_minutes="车辆已出售")})
    assert response.status_code == 200, response.json
    assert leaked(response.text) == []
    assert response.json["id_number"]["value"] == MASKED["id_number"]
    assert response.json["household_size"]["value"] == 3
    assert access_log(login_as, case.id)[0] == ("village_cg", "task completion result", True)


def test_starting_with_variables_in_return_shows_the_starter_what_its_role_may_see(login_as, clock):
    response = login_as("village_cg").post("/process-definition/key/dibao/start", {
        "businessKey": f"DB-{uuid.uuid4().hex[:10]}", "withVariablesInReturn": True,
        "variables": typed(village="dongguan", applicant_name=MARKED["applicant_name"])})
    assert response.status_code == 200, response.json
    assert response.json["variables"]["applicant_name"]["value"] == MASKED["applicant_name"]
    assert leaked(response.text) == []
    assert access_log(login_as, response.json["id"]) == [("village_cg", "case start result", True)]


def test_form_variables_of_a_referral_task_keep_the_applicant_name_masked(login_as, clock):
    case, task = _referred(login_as)
    response = login_as("dept_medical_user").get(f"/task/{task['id']}/form-variables")
    assert response.status_code == 200
    assert response.json["applicant_name"]["value"] == MASKED["applicant_name"]
    assert response.json["need"]["value"] == "医疗" and leaked(response.text) == []
    assert access_log(login_as, task["processInstanceId"])[0] == ("dept_medical_user", "task form-variables", True)


def test_the_web_page_of_a_referral_task_shows_the_department_what_the_api_shows_it(app, login_as, clock):
    case, task = _referred(login_as)
    api = login_as("dept_medical_user").get(f"/task/{task['id']}/form-variables").json
    page = Web(app, "dept_medical_user").get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    facts = set(re.findall(r'data-var="([^"]+)"', page.text))
    assert facts and facts <= set(api), facts - set(api)
    assert leaked(page.text) == [] and MASKED["id_number"] not in page.text
    assert "household_size" not in facts and "village" not in facts


def _copying_process(key: str) -> str:
    script = 'copy = id_number\nlabel = "申请人：" + applicant_name\ncontact = phone if phone else ""'
    return d.process(key, f"""<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="u" />
    <bpmn:userTask id="u" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f3" sourceRef="u" targetRef="e" /><bpmn:endEvent id="e" />""")


def test_a_script_copy_of_a_personal_field_is_masked_as_its_source_everywhere(login_as, clock):
    key = f"copy_{uuid.uuid4().hex[:8]}"
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": _copying_process(key)}).status_code == 200
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {
        "variables": typed(id_number=MARKED["id_number"], applicant_name=MARKED["applicant_name"],
                           phone=MARKED["phone"])})
    assert started.status_code == 200, started.json
    case_id = started.json["id"]
    supervisor = login_as("supervisor")
    shown = supervisor.get(f"/process-instance/{case_id}/variables")
    assert shown.json["copy"]["value"] == MASKED["id_number"]
    assert shown.json["contact"]["value"] == MASKED["phone"]
    assert leaked(shown.text) == []
    assert leaked(supervisor.get("/history/variable-instance", processInstanceId=case_id).text) == []
    for path in (f"/api/audit/cases/{case_id}/events", f"/api/audit/cases/{case_id}/events/1/state"):
        assert leaked(supervisor.client.get(path, headers=supervisor.headers).text) == [], path
    whole = login_as("window_cg").get(f"/process-instance/{case_id}/variables").json
    assert whole["copy"]["value"] == MARKED["id_number"]  # who may see the source sees the copy


def test_a_form_rule_error_never_echoes_a_personal_value(login_as, clock):
    key = f"echo_{uuid.uuid4().hex[:8]}"
    form = {"id": f"{key}_form", "type": "default", "components": [
        {"type": "textfield", "key": "id_number", "label": "身份证号码",
         "properties": {"rule": 'int(value + "号") > 0', "ruleMessage": "须为数字"}}]}
    bpmn = d.user_task(key, formRef=f"{key}_form", formRefBinding="latest")
    deployed = deploy_files(login_as("designer"), {f"{key}.bpmn": bpmn, f"{key}.form": json.dumps(form)})
    assert deployed.status_code == 200, deployed.json
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {})
    task = login_as("window_cg").get("/task", processInstanceId=started.json["id"]).json[0]
    response = login_as("window_cg").post(f"/task/{task['id']}/complete",
                                          {"variables": typed(id_number=MARKED["id_number"])})
    assert response.status_code == 400 and response.json["field"] == "id_number"
    assert leaked(response.text) == []


def test_fetch_and_lock_hands_the_verifier_only_what_the_topic_declares_and_is_logged(login_as, clock):
    case = MarkedCase(login_as)
    case.accept_marked()
    locked = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "redteam", "maxTasks": 1000,
        "topics": [{"topicName": "household-verification", "lockDuration": 60000}]})
    assert locked.status_code == 200, locked.json
    [mine] = [t for t in locked.json if t["processInstanceId"] == case.id]
    assert set(mine["variables"]) == {"id_number", "applicant_name", "household_size", "per_capita_income"}
    assert mine["variables"]["id_number"]["value"] == MARKED["id_number"]  # the matching system needs it whole
    assert access_log(login_as, case.id)[0] == ("verifier", "external-task fetchAndLock", False)


def test_fetch_and_lock_returns_only_the_variables_the_worker_names(login_as, clock):
    case = MarkedCase(login_as)
    case.accept_marked()
    locked = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "redteam", "maxTasks": 1000, "topics": [
            {"topicName": "household-verification", "lockDuration": 60000, "variables": ["id_number"]}]})
    assert locked.status_code == 200, locked.json
    [mine] = [t for t in locked.json if t["processInstanceId"] == case.id]
    assert mine["variables"] == {"id_number": {"value": MARKED["id_number"], "type": "String", "valueInfo": {}}}


def test_a_worker_naming_a_variable_its_topic_does_not_declare_is_refused(login_as, clock):
    case = MarkedCase(login_as)
    case.accept_marked()
    response = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "redteam", "maxTasks": 1000, "topics": [
            {"topicName": "household-verification", "lockDuration": 60000, "variables": ["id_number", "phone"]}]})
    assert response.status_code == 400 and response.json["field"] == "topics[0].variables"
    assert "phone" in response.json["message"]
    assert login_as("verifier").post("/external-task/fetchAndLock", {  # nothing was locked by the refusal
        "workerId": "other", "maxTasks": 1000,
        "topics": [{"topicName": "household-verification", "lockDuration": 60000}]}).json


def test_reading_the_findings_on_a_household_is_logged_and_masked(login_as, clock):
    case = MarkedCase(login_as)
    case.accept_marked()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="fraud", reason="隐瞒营运车辆收入")
    auditor = login_as("auditor")
    response = auditor.client.get(f"/api/households/{MARKED['id_number']}/findings", headers=auditor.headers)
    assert response.status_code == 200
    assert case.id in {f["caseId"] for f in response.json}
    assert leaked(response.text) == [] and MASKED["id_number"] in response.text
    assert access_log(login_as, case.id)[0] == ("auditor", "household findings", True)


def test_a_message_may_not_carry_a_variable_its_diagram_does_not_declare(login_as, clock):
    case = _in_publicity(login_as)
    response = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": typed(objection_text="有车辆", bank_account=MARKED_ACCOUNT)})
    assert response.status_code == 400, response.json
    assert response.json["field"] == "processVariables.bank_account"
    assert "bank_account" not in case.variables() and case.activities() == ["publicity_gateway"]
    declared = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": typed(objection_text="有车辆")})
    assert declared.status_code == 204, declared.json


def test_a_message_answers_with_the_case_as_its_sender_may_see_it(login_as, clock):
    report = {"messageName": "proactive_discovery", "businessKey": f"ZD-{uuid.uuid4().hex[:10]}",
              "resultEnabled": True, "variablesInResultEnabled": True,
              "processVariables": typed(village="dongguan", reporter_name=MARKED["applicant_name"],
                                        report_channel="12345", report_text="独居老人")}
    response = login_as("hotline").post("/message", report)
    assert response.status_code == 200, response.json
    [result] = response.json
    shown = {name: typed_value["value"] for name, typed_value in result["variables"].items()}
    assert shown == {"village": "dongguan", "reporter_name": MASKED["applicant_name"], "report_channel": "12345",
                     "report_text": "独居老人"}
    case_id = result["processInstance"]["id"]
    assert access_log(login_as, case_id) == [("hotline", "message correlation result", True)]


def test_an_engine_error_never_quotes_a_personal_value(login_as, clock):
    key = f"quote_{uuid.uuid4().hex[:8]}"
    failing = d.process(key, """<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>n = int(id_number + "号")</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />""")
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": failing}).status_code == 200
    response = login_as("village_cg").post(f"/process-definition/key/{key}/start", {
        "variables": typed(village="dongguan", id_number=MARKED["id_number"])})
    assert response.status_code == 422 and response.json["element"] == "t", response.json
    assert leaked(response.text) == [] and MASKED["id_number"] in response.text
