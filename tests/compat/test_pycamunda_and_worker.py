"""pycamunda 0.6.1 and camunda-external-task-client-python3 4.5.0, unmodified, drive a 低保 case on the service."""

import uuid

import pycamunda.message
import pycamunda.processdef
import pycamunda.processinst
import pycamunda.task
import pytest
from camunda.client.external_task_client import ExternalTaskClient
from requests.auth import HTTPBasicAuth

from tests.conftest import PASSWORD
from tests.support.dibao_steps import unique_id_number


@pytest.fixture
def engine_url(live_url):
    return f"{live_url}/engine-rest"


def _call(request, user: str):
    request.auth = HTTPBasicAuth(user, PASSWORD)
    return request()


def _task(url, user, instance_id, activity):
    tasks = _call(pycamunda.task.GetList(url, process_instance_id=instance_id, task_definition_key=activity), user)
    assert len(tasks) == 1
    return tasks[0]


def _complete(url, user, task_id, **values):
    complete = pycamunda.task.Complete(url, id_=task_id)
    for name, value in values.items():
        kind = {bool: "Boolean", int: "Integer", float: "Double"}.get(type(value), "String")
        complete.add_variable(name, value, type_=kind)
    _call(complete, user)


def test_pycamunda_and_external_task_client_run_a_case(engine_url, clock):
    key = f"CLIENT-{uuid.uuid4().hex[:8]}"
    start = pycamunda.processdef.StartInstance(engine_url, key="dibao", business_key=key)
    instance = _call(start, "window_cg")
    accept = _task(engine_url, "window_cg", instance.id_, "accept")
    _call(pycamunda.task.Claim(engine_url, id_=accept.id_, user_id="window_cg"), "window_cg")
    _complete(engine_url, "window_cg", accept.id_, applicant_name="张三", id_number=unique_id_number(born="19900307"),
              household_size=2, per_capita_income=300.0, pledge_signed=True, materials_complete=True)

    worker = ExternalTaskClient("matcher", engine_url, {"auth_basic": {"username": "verifier", "password": PASSWORD},
                                                        "maxTasks": 50, "lockDuration": 60000,
                                                        "asyncResponseTimeout": 0})
    locked = [t for t in worker.fetch_and_lock("household-verification") if t["processInstanceId"] == instance.id_]
    assert len(locked) == 1
    worker.complete(locked[0]["id"], {"verification_result": "matched"})

    visit = _task(engine_url, "investigator_cg", instance.id_, "home_visit")
    _complete(engine_url, "investigator_cg", visit.id_, visitors="李四,王五", visit_date="2026-09-29", findings="属实")
    review = _task(engine_url, "reviewer_cg", instance.id_, "township_review")
    _complete(engine_url, "reviewer_cg", review.id_, opinion="approve", proposed_amount=1000.0)

    objection = pycamunda.message.CorrelateSingle(engine_url, message_name="publicity_objection",
                                                  business_key=key, result_enabled=True)
    assert _call(objection, "village_cg")[0].execution.process_instance_id == instance.id_
    assert _task(engine_url, "village_cg", instance.id_, "democratic_appraisal").name == "民主评议"
    variables = _call(pycamunda.processinst.VariablesGetList(engine_url, process_instance_id=instance.id_),
                      "supervisor")
    assert variables["objection_raised"].value is True
