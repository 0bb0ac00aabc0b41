"""The 25 public Camunda 7 example and engine-test sets kept in tests/models/sets/ (sources and licence there): each
deploys — unchanged, or with only its Java delegates made external tasks — or is refused naming the file, the
element and why; the engine tests' diagrams run as Camunda's own tests say; the invoice runs its three paths."""

import json

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.store.tables import User
from tests.support.camunda_sets import SETS, description, files, set_names
from tests.support.deployments import deploy_files

from ..conftest import PASSWORD


def _deploy(api, name: str, content: dict[str, bytes]):
    return deploy_files(api, content, name)


def _definition(response, key: str) -> str:
    assert response.status_code == 200, response.json
    return next(d for d, about in response.json["deployedProcessDefinitions"].items() if about["key"] == key)


def test_at_least_20_of_the_25_sets_deploy_and_the_rest_are_refused_by_name():
    outcomes = [description(name)["outcome"] for name in set_names()]
    assert len(outcomes) == 25 and outcomes.count("deploys") >= 20


@pytest.mark.parametrize("name", set_names())
def test_each_set_deploys_or_is_refused_naming_the_element_and_why(login_as, name):
    response = _deploy(login_as("designer"), name, files(name))
    expected = description(name)["outcome"]
    if expected == "deploys":
        assert response.status_code == 200, response.json
        return
    assert response.status_code == 400, response.json
    assert response.json["file"] == expected["file"] and response.json["element"] == expected["element"]
    assert expected["words"] in response.json["message"], response.json


def _start(api, definition_id: str, **variables):
    started = api.post(f"/process-definition/{definition_id}/start",
                       {"variables": {k: {"value": v} for k, v in variables.items()}})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _task_names(api, instance_id: str) -> list[str]:
    return sorted(t["name"] for t in api.get("/task", processInstanceId=instance_id).json)


def test_the_diverging_exclusive_gateway_runs_as_camundas_test_says(login_as):
    """ExclusiveGatewayTest.testDivergingExclusiveGateway: input i leads to the one task "Task i"."""
    definition = _definition(_deploy(login_as("designer"), "x", files("engine-exclusive-gateway")),
                             "exclusiveGwDiverging")
    supervisor = login_as("supervisor")
    for i in (1, 2, 3):
        assert _task_names(supervisor, _start(login_as("window_cg"), definition, input=i)) == [f"Task {i}"]


def test_the_diverging_inclusive_gateway_runs_as_camundas_test_says(login_as):
    """InclusiveGatewayTest.testDivergingInclusiveGateway: input i opens 4 − i tasks."""
    definition = _definition(_deploy(login_as("designer"), "i", files("engine-inclusive-gateway")),
                             "inclusiveGwDiverging")
    supervisor = login_as("supervisor")
    expected = {1: ["Task 1", "Task 2", "Task 3"], 2: ["Task 2", "Task 3"], 3: ["Task 3"]}
    for i in (1, 2, 3):
        assert _task_names(supervisor, _start(login_as("window_cg"), definition, input=i)) == expected[i]


def test_the_parallel_fork_join_runs_as_camundas_test_says(login_as):
    """ParallelGatewayTest.testForkJoin: two tasks, and once both are done the join opens the third."""
    definition = _definition(_deploy(login_as("designer"), "p", files("engine-parallel-gateway")), "forkJoin")
    supervisor = login_as("supervisor")
    instance = _start(login_as("window_cg"), definition)
    assert _task_names(supervisor, instance) == ["Receive Payment", "Ship Order"]
    for task in supervisor.get("/task", processInstanceId=instance).json:
        assert supervisor.post(f"/task/{task['id']}/assignee", {"userId": "window_cg"}).status_code == 204
        assert login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": {}}).status_code == 204
    assert _task_names(supervisor, instance) == ["Archive Order"]


def test_the_business_rule_task_stores_the_single_entry_as_camundas_test_says(login_as):
    """DmnBusinessRuleTaskTest.testDecisionRef: the result variable holds "okay"."""
    definition = _definition(_deploy(login_as("designer"), "b", files("engine-business-rule-task")), "testProcess")
    instance = _start(login_as("window_cg"), definition)
    found = login_as("supervisor").get("/history/variable-instance", processInstanceId=instance).json
    assert [v["value"] for v in found if v["name"] == "result"] == ["okay"]


def test_the_initiator_is_the_user_who_started_the_case(login_as):
    definition = _definition(_deploy(login_as("designer"), "m", files("migrate-on-deployment")), "exampleProcess")
    instance = _start(login_as("window_cg"), definition)
    [task] = login_as("supervisor").get("/task", processInstanceId=instance).json
    assert task["assignee"] == "window_cg"


# -- the invoice: its three paths ------------------------------------------------------------------------------


@pytest.fixture
def invoice(runtime, login_as):
    """The invoice set deployed, and Camunda's demo user `demo` in its groups (management, accounting, sales), who
    also starts invoices (`window`)."""
    with runtime.unit_of_work() as uow:
        if uow.session.scalar(select(User).where(User.username == "demo")) is None:
            county = uow.session.scalar(select(User.org_path).where(User.username == "supervisor"))
            uow.session.add(User(username="demo", display_name="Demo", password_hash=generate_password_hash(PASSWORD),
                                 org_path=county, groups=["window", "management", "accounting", "sales"]))
            uow.commit()
    return _definition(_deploy(login_as("designer"), "invoice", files("invoice")), "invoice")


def _only_task(api, instance: str) -> dict:
    """The one open task of the instance or of an instance it called (the invoice's reviewInvoice)."""
    ids = [instance]
    for instance_id in ids:
        ids.extend(i["id"] for i in api.get("/process-instance", superProcessInstance=instance_id).json)
    [task] = [t for instance_id in ids for t in api.get("/task", processInstanceId=instance_id).json]
    return task


def _do(api, instance: str, activity: str, **variables) -> None:
    task = _only_task(api, instance)
    assert task["taskDefinitionKey"] == activity
    if task["assignee"] is None:
        assert api.post(f"/task/{task['id']}/claim", {"userId": "demo"}).status_code == 204
    done = api.post(f"/task/{task['id']}/complete", {"variables": {k: {"value": v} for k, v in variables.items()}})
    assert done.status_code == 204, done.json


def _archive(login_as, instance: str) -> None:
    worker = login_as("verifier")
    locked = worker.post("/external-task/fetchAndLock", {"workerId": "archiver", "maxTasks": 5, "topics": [
        {"topicName": "ServiceTask_1", "lockDuration": 60000}]}).json
    [task] = [t for t in locked if t["processInstanceId"] == instance]
    assert worker.post(f"/external-task/{task['id']}/complete", {"workerId": "archiver"}).status_code == 204


def _start_invoice(login_as, definition: str, amount: float, category: str = "Misc") -> str:
    return _start(login_as("demo"), definition, creditor="Great Pizza for Everyone Inc.", amount=amount,
                  invoiceCategory=category, invoiceNumber="GPFE-23232323")


def _ended(login_as, instance: str) -> list[str]:
    """The end events the instance and the instances it called reached."""
    api = login_as("supervisor")
    ids = [instance] + [i["id"] for i in api.get("/history/process-instance", superProcessInstanceId=instance).json]
    history = [a for i in ids for a in api.get("/history/activity-instance", processInstanceId=i).json]
    return sorted(a["activityId"] for a in history if a["activityType"].endswith("EndEvent"))


def test_the_invoice_is_approved_paid_and_archived(login_as, invoice):
    demo = login_as("demo")
    instance = _start_invoice(login_as, invoice, 30)
    variables = demo.get(f"/process-instance/{instance}/variables").json
    groups = variables["approverGroups"]["value"]
    assert (json.loads(groups) if isinstance(groups, str) else groups) == ["accounting", "sales"]
    assert _only_task(demo, instance)["due"] is not None  # ${dateTime().plusWeeks(1).toDate()}
    _do(demo, instance, "approveInvoice", approved=True)
    _do(demo, instance, "prepareBankTransfer")
    _archive(login_as, instance)
    assert _ended(login_as, instance) == ["invoiceProcessed"]


def test_the_invoice_not_approved_is_reviewed_clarified_and_then_approved(login_as, invoice):
    demo = login_as("demo")
    instance = _start_invoice(login_as, invoice, 900)  # budget: management approves
    _do(demo, instance, "approveInvoice", approved=False)
    _do(demo, instance, "assignReviewer", reviewer="demo")  # the called ReviewInvoice process
    review = _only_task(demo, instance)
    assert review["taskDefinitionKey"] == "reviewInvoice" and review["assignee"] == "demo"
    _do(demo, instance, "reviewInvoice", clarified=True)
    _do(demo, instance, "approveInvoice", approved=True)
    _do(demo, instance, "prepareBankTransfer")
    _archive(login_as, instance)
    assert _ended(login_as, instance) == ["EndEvent_1og1zom", "invoiceProcessed"]  # the called process ended too


def test_the_invoice_that_cannot_be_clarified_is_not_processed(login_as, invoice):
    demo = login_as("demo")
    instance = _start_invoice(login_as, invoice, 5000, "Travel Expenses")
    _do(demo, instance, "approveInvoice", approved=False)
    _do(demo, instance, "assignReviewer", reviewer="demo")
    _do(demo, instance, "reviewInvoice", clarified=False)
    assert _ended(login_as, instance) == ["EndEvent_1og1zom", "invoiceNotProcessed"]
    variables = login_as("supervisor").get("/history/variable-instance", processInstanceId=instance).json
    assert {v["name"]: v["value"] for v in variables}.get("clarified") is False


def test_the_published_invoice_is_refused_naming_its_javascript_listener(login_as):
    original = {name: content for name, content in files("invoice").items() if name.endswith(".dmn")}
    folder = SETS / "invoice" / "original"
    original.update({p.name: p.read_bytes() for p in folder.iterdir()})
    response = _deploy(login_as("designer"), "invoice-original", original)
    assert response.status_code == 400 and response.json["element"] == "approveInvoice"
    assert "JavaScript" in response.json["message"]


def _pay_invoice_for_window(login_as, definition: str) -> tuple[str, str]:
    """Start the embedded-forms example and give its unassigned "Pay Invoice" task to a window worker."""
    instance = _start(login_as("window_cg"), definition)
    supervisor = login_as("supervisor")
    task = supervisor.get("/task", processInstanceId=instance).json[0]
    assert task["taskDefinitionKey"] == "Task_16y91ka"
    assert supervisor.post(f"/task/{task['id']}/assignee", {"userId": "window_cg"}).status_code == 204
    return instance, task["id"]


def test_the_embedded_forms_bpmn_events_example_escalates_and_errors_as_on_camunda(login_as):
    """usertask/task-form-embedded-bpmn-events: the task form's buttons call POST /task/{id}/bpmnEscalation
    (code invoice-escalate: "Inform Supervisor") and /bpmnError (invoice-error: "Archive Invoice"); both boundary
    events interrupt "Pay Invoice"."""
    definition = _definition(_deploy(login_as("designer"), "e", files("task-form-embedded-bpmn-events")),
                             "embeddedFormsBpmnEvents")
    window, supervisor = login_as("window_cg"), login_as("supervisor")
    escalated, task = _pay_invoice_for_window(login_as, definition)
    assert window.post(f"/task/{task}/bpmnEscalation", {"escalationCode": "invoice-escalate"}).status_code == 204
    assert _task_names(supervisor, escalated) == ["Inform Supervisor"]
    errored, task = _pay_invoice_for_window(login_as, definition)
    refused = window.post(f"/task/{task}/bpmnError", {"errorCode": "no-such-error"})
    assert refused.status_code == 400 and refused.json["field"] == "errorCode", refused.json
    assert window.post(f"/task/{task}/bpmnError", {"errorCode": "invoice-error"}).status_code == 204
    assert _task_names(supervisor, errored) == ["Archive Invoice"]
    history = supervisor.get("/history/activity-instance", processInstanceId=escalated).json
    assert {(a["activityId"], a["activityType"], a["canceled"]) for a in history} >= {
        ("Task_16y91ka", "userTask", True), ("BoundaryEvent_1uy9o9h", "boundaryEscalation", False)}
    auditor = login_as("auditor")
    for instance in (escalated, errored):
        verdict = auditor.client.get(f"/api/audit/cases/{instance}/verify", headers=auditor.headers).json
        assert verdict["ok"] is True, verdict
