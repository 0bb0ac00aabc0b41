"""External tasks as Camunda serves them: long polling, the topic filters, reading a task and its error
details, new retries that resolve its incident, priority — driven partly by the standard clients."""

import threading
import time
import uuid

import pycamunda.externaltask
import pytest
from camunda.external_task.external_task_worker import ExternalTaskWorker
from requests.auth import HTTPBasicAuth

from tests.conftest import PASSWORD, Api, typed
from tests.support.deployments import deploy_fixture
from tests.support.external_tasks import TOPIC, fetch_and_lock, reach_check, start_message_wait


@pytest.fixture(scope="module")
def deployed(app):
    deploy_fixture(Api(app.test_client(), "designer"), "message_wait.bpmn")


def test_topic_filters_select_what_a_worker_locks(deployed, login_as):
    key = f"ET-{uuid.uuid4().hex[:8]}"  # one batch of two cases; a business key names one active case only
    wanted = start_message_wait(login_as, f"{key}-a", batch=key, level="county")
    other = start_message_wait(login_as, f"{key}-b", batch=key, level="township")
    for case in (wanted, other):
        reach_check(login_as, case)
    assert fetch_and_lock(login_as, businessKey=f"{key}-none") == []
    assert fetch_and_lock(login_as, businessKey=f"{key}-a", processDefinitionKeyIn=["dibao"]) == []
    assert fetch_and_lock(login_as, businessKey=f"{key}-a", tenantIdIn=["t1"]) == []
    locked = fetch_and_lock(login_as, processDefinitionKey="message_wait",
                                    processVariables={"batch": key, "level": "county"},
                                    variables=["level"], includeExtensionProperties=True)
    assert fetch_and_lock(login_as, processVariables={"batch": key, "level": "village"}) == []
    assert [t["processInstanceId"] for t in locked] == [wanted]
    assert locked[0]["variables"] == {"level": {"value": "county", "type": "String", "valueInfo": {}}}
    assert locked[0]["extensionProperties"] == {"system": "公安", "variables": "level,household"}
    assert locked[0]["priority"] == 7


def test_a_topics_tenant_filters_lock_as_camunda_or_are_refused(deployed, login_as):
    key = f"ETT-{uuid.uuid4().hex[:8]}"
    reach_check(login_as, start_message_wait(login_as, key))  # a case of 示范县 (sfx)
    assert fetch_and_lock(login_as, businessKey=key, withoutTenantId=True) == []  # every case is a county's
    # both given: tenantIdIn wins, as Camunda's REST API sets it after withoutTenantId
    locked = fetch_and_lock(login_as, businessKey=key, withoutTenantId=True, tenantIdIn=["sfx"])
    assert [t["businessKey"] for t in locked] == [key] and locked[0]["tenantId"] == "sfx"
    # an empty list, which Camunda skips, is refused as on the lists, naming it
    refused = login_as("verifier").post("/external-task/fetchAndLock", {"workerId": "w1", "maxTasks": 1, "topics": [
        {"topicName": TOPIC, "lockDuration": 1000, "tenantIdIn": []}]})
    assert refused.status_code == 400 and refused.json["field"] == "topics.0.tenantIdIn", refused.json


def test_long_polling_is_woken_when_a_task_appears(deployed, login_as, live_url):
    import requests

    key = f"LP-{uuid.uuid4().hex[:8]}"
    case = start_message_wait(login_as, key)
    answer = {}

    def worker():
        began = time.monotonic()
        answer["tasks"] = requests.post(f"{live_url}/engine-rest/external-task/fetchAndLock", auth=(
            "verifier", PASSWORD), json={"workerId": "lp", "maxTasks": 1, "asyncResponseTimeout": 20000,
                                         "topics": [{"topicName": TOPIC, "lockDuration": 60000, "businessKey": key}]},
            timeout=30).json()
        answer["seconds"] = time.monotonic() - began

    waiting = threading.Thread(target=worker)
    waiting.start()
    time.sleep(1.0)
    reach_check(login_as, case)
    waiting.join(30)
    assert [t["processInstanceId"] for t in answer["tasks"]] == [case]
    assert 1.0 <= answer["seconds"] < 5.0, answer["seconds"]


def test_an_idle_standard_worker_makes_one_request_per_async_response_timeout(live_url):
    worker = ExternalTaskWorker("idle", f"{live_url}/engine-rest", {
        "auth_basic": {"username": "verifier", "password": PASSWORD}, "asyncResponseTimeout": 2000,
        "maxTasks": 1, "lockDuration": 10000})
    calls = []
    fetch = worker.client.fetch_and_lock
    worker.client.fetch_and_lock = lambda *a, **k: calls.append(time.monotonic()) or fetch(*a, **k)
    end = time.monotonic() + 6.0
    while time.monotonic() < end:
        worker._fetch_and_execute_safe("nobody-publishes-this", lambda task: task.complete({}))
    assert 2 <= len(calls) <= 3, calls


def test_a_failed_task_is_read_and_its_incident_resolved_with_the_client_library(deployed, login_as, live_url):
    key = f"RT-{uuid.uuid4().hex[:8]}"
    case = start_message_wait(login_as, key)
    reach_check(login_as, case)
    task_id = fetch_and_lock(login_as, businessKey=key)[0]["id"]
    failed = login_as("verifier").post(f"/external-task/{task_id}/failure", {
        "workerId": "w1", "errorMessage": "公安接口超时", "errorDetails": "Traceback: timeout", "retries": 0})
    assert failed.status_code == 204
    assert fetch_and_lock(login_as, businessKey=key) == []  # no retries left: no worker gets it
    supervisor = login_as("supervisor")
    assert supervisor.get(f"/external-task/{task_id}").json["retries"] == 0
    details = supervisor.get(f"/external-task/{task_id}/errorDetails")
    assert details.status_code == 200 and details.get_data(as_text=True) == "Traceback: timeout"
    assert [i["id"] for i in supervisor.get("/incident", processInstanceId=case).json] == [task_id]

    url = f"{live_url}/engine-rest"
    retries = pycamunda.externaltask.SetRetries(url, id_=task_id, retries=2)
    retries.auth = HTTPBasicAuth("supervisor", PASSWORD)
    retries()
    assert supervisor.get("/incident", processInstanceId=case).json == []
    assert [t["id"] for t in fetch_and_lock(login_as, businessKey=key)] == [task_id]
    # pycamunda asks for errorDetails without credentials; the error details were read above
    got = pycamunda.externaltask.Get(url, id_=task_id, request_error_details=False)
    got.auth = HTTPBasicAuth("supervisor", PASSWORD)
    assert got().retries == 2


def test_priority_orders_fetching(deployed, login_as):
    key = f"PR-{uuid.uuid4().hex[:8]}"
    first = start_message_wait(login_as, f"{key}-1", batch=key)
    second = start_message_wait(login_as, f"{key}-2", batch=key)
    for case in (first, second):
        reach_check(login_as, case)
    second_task = login_as("supervisor").get("/external-task", processInstanceId=second).json[0]["id"]
    assert login_as("verifier").put(f"/external-task/{second_task}/priority", {"priority": 50}).status_code == 403
    assert login_as("supervisor").put(f"/external-task/{second_task}/priority", {"priority": 50}).status_code == 204
    locked = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "w2", "maxTasks": 1,
        "topics": [{"topicName": TOPIC, "lockDuration": 1000, "processVariables": {"batch": key}}]})
    assert [t["id"] for t in locked.json] == [second_task]


def test_local_variables_of_a_completion_stay_in_the_tasks_scope(deployed, login_as):
    key = f"LV-{uuid.uuid4().hex[:8]}"
    case = start_message_wait(login_as, key)
    reach_check(login_as, case)
    task_id = fetch_and_lock(login_as, businessKey=key)[0]["id"]
    done = login_as("verifier").post(f"/external-task/{task_id}/complete", {
        "workerId": "w1", "variables": typed(result="ok"), "localVariables": None})
    assert done.status_code == 204, done.json
    assert login_as("supervisor").get("/history/variable-instance", processInstanceId=case,
                                      variableName="result").json[0]["value"] == "ok"


def test_a_wait_longer_than_the_service_serves_is_refused_not_shortened(app, login_as):
    longest = app.config["LONG_POLL_MAX_MS"]
    assert longest == 1_800_000  # Camunda's own limit is the default
    response = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "w1", "maxTasks": 1, "asyncResponseTimeout": longest + 1,
        "topics": [{"topicName": TOPIC, "lockDuration": 1000}]})
    assert response.status_code == 400 and response.json["field"] == "asyncResponseTimeout", response.json
    app.config["LONG_POLL_MAX_MS"] = 500
    try:
        response = login_as("verifier").post("/external-task/fetchAndLock", {
            "workerId": "w1", "maxTasks": 1, "asyncResponseTimeout": 501,
            "topics": [{"topicName": "nobody-publishes-this", "lockDuration": 1000}]})
        assert response.status_code == 400 and response.json["field"] == "asyncResponseTimeout", response.json
    finally:
        app.config["LONG_POLL_MAX_MS"] = longest
