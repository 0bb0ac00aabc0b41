"""What the permission matrix acts on: a second county, a small process with one of every kind of
target (user task, external task, message, timer job), and cases of it in either county."""

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.domain.actors import SYSTEM
from app.domain.orgs import child_path
from app.services.commands import FireJob
from app.services.jobs import fire_job
from app.store.tables import Escalation, ExternalTask, Job, Notice, OrgUnit, Task, User
from tests.conftest import typed
from tests.support.deployments import deploy_files
from tests.support.marked import EVERY_FIELD

KEY, TOPIC, MESSAGE = "matrix_probe", "matrix-check", "matrix_ping"
TENANT, TENANT_KEY = "sfx", "matrix_probe_sfx"  # the probe deployed for the own county alone (…/tenant-id/… routes)
DECISION = "linshi_approval_tier"  # the shipped 临时救助 approval tier, deployed on its own for the matrix
OTHER_COUNTY, OTHER_TOWNSHIP = "qtx", "qt1"
OWN_TOWNSHIP = "cg"
OTHER_USERS = {"window_qt": ["window"], "verifier_qt": ["verifier"], "designer_qt": ["designer"]}
WORKER = "matrix-worker"

PROBE = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_probe" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="m1" name="{MESSAGE}" /><bpmn:error id="err1" errorCode="MATRIX_ERR" />
  <bpmn:error id="err2" errorCode="MATRIX_WORK_ERR" /><bpmn:escalation id="esc1" escalationCode="MATRIX_ESC" />
  <bpmn:process id="{KEY}" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="copy" />
    <bpmn:scriptTask id="copy" scriptFormat="python"><bpmn:script>contact = phone</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f00" sourceRef="copy" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="check" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="wait_ping" />
    <bpmn:userTask id="work" camunda:candidateGroups="window">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="matrix_local">${{"probe"}}</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f9" sourceRef="split" targetRef="notify" />
    <bpmn:userTask id="notify" camunda:candidateGroups="window">
      <bpmn:extensionElements><camunda:properties><camunda:property name="notice" value="approval" />
      </camunda:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f10" sourceRef="notify" targetRef="e4" /><bpmn:endEvent id="e4" />
    <bpmn:boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P10D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="remind_end" /><bpmn:endEvent id="remind_end" />
    <bpmn:boundaryEvent id="work_escalated" attachedToRef="work" cancelActivity="false">
      <bpmn:escalationEventDefinition escalationRef="esc1" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f11" sourceRef="work_escalated" targetRef="e5" /><bpmn:endEvent id="e5" />
    <bpmn:boundaryEvent id="work_error" attachedToRef="work">
      <bpmn:errorEventDefinition errorRef="err2" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f12" sourceRef="work_error" targetRef="e6" /><bpmn:endEvent id="e6" />
    <bpmn:serviceTask id="check" camunda:type="external" camunda:topic="{TOPIC}" />
    <bpmn:boundaryEvent id="check_error" attachedToRef="check">
      <bpmn:errorEventDefinition errorRef="err1" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="check_error" targetRef="error_end" /><bpmn:endEvent id="error_end" />
    <bpmn:intermediateCatchEvent id="wait_ping"><bpmn:messageEventDefinition messageRef="m1" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="work" targetRef="e1" /><bpmn:endEvent id="e1" />
    <bpmn:sequenceFlow id="f7" sourceRef="check" targetRef="e2" /><bpmn:endEvent id="e2" />
    <bpmn:sequenceFlow id="f8" sourceRef="wait_ping" targetRef="e3" /><bpmn:endEvent id="e3" />
  </bpmn:process>
</bpmn:definitions>"""


@dataclass
class Target:
    """One case of the probe process and the ids the endpoints need."""

    scope: str  # "own" or "other"
    case_id: str
    business_key: str
    task_id: str
    external_task_id: str
    job_id: str
    county: str
    township: str
    notice_id: str
    extra: dict = field(default_factory=dict)


def add_other_county(runtime) -> None:
    """A second county with a township and users: every demo user is outside it."""
    county = child_path("", OTHER_COUNTY)
    township = child_path(county, OTHER_TOWNSHIP)
    with runtime.unit_of_work() as uow:
        if uow.session.scalar(select(OrgUnit).where(OrgUnit.code == OTHER_COUNTY)) is not None:
            return
        uow.session.add_all([OrgUnit(code=OTHER_COUNTY, name="其他县", level="county", path=county, county_path=county),
                             OrgUnit(code=OTHER_TOWNSHIP, name="其他镇", level="township", path=township,
                                     county_path=county)])
        hashed = generate_password_hash("demo123")
        for username, groups in OTHER_USERS.items():
            uow.session.add(User(username=username, display_name=username, password_hash=hashed,
                                 org_path=county if groups != ["window"] else township, groups=groups))
        uow.commit()


def deploy_probe(api) -> None:
    response = deploy_files(api, {f"{KEY}.bpmn": PROBE}, name="matrix")
    assert response.status_code == 200, response.json
    tier = (Path(__file__).parents[2] / "workflows" / "linshi_tier.dmn").read_bytes()
    response = deploy_files(api, {"linshi_tier.dmn": tier}, name="matrix-decision")
    assert response.status_code == 200, response.json
    response = deploy_files(api, {f"{TENANT_KEY}.bpmn": PROBE.replace(f'id="{KEY}"', f'id="{TENANT_KEY}"')},
                            name="matrix-county", **{"tenant-id": TENANT})
    assert response.status_code == 200, response.json


def start_target(login_as, runtime, scope: str) -> Target:
    """Start a probe case in the own county (城关镇) or the other one, and lock its external task."""
    starter, verifier = ("window_cg", "verifier") if scope == "own" else ("window_qt", "verifier_qt")
    business_key = f"MX-{uuid.uuid4().hex[:12]}"
    started = login_as(starter).post(f"/process-definition/key/{KEY}/start", {
        "businessKey": business_key, "variables": typed(**EVERY_FIELD)})  # and a script copies the phone
    assert started.status_code == 200, started.json
    case_id = started.json["id"]
    locked = login_as(verifier).post("/external-task/fetchAndLock", {
        "workerId": WORKER, "maxTasks": 1000, "topics": [{"topicName": TOPIC, "lockDuration": 600000}]})
    assert locked.status_code == 200, locked.json
    with runtime.unit_of_work() as uow:
        session = uow.session
        task_id = session.scalar(select(Task.id).where(Task.process_instance_id == case_id, Task.activity_id == "work"))
        notice_id = session.scalar(select(Notice.id).where(Notice.process_instance_id == case_id))
        external_id = session.scalar(select(ExternalTask.id).where(ExternalTask.process_instance_id == case_id))
        job_id = session.scalar(select(Job.id).where(Job.process_instance_id == case_id))
    return Target(scope, case_id, business_key, task_id, external_id, job_id,
                  "sfx" if scope == "own" else OTHER_COUNTY, OWN_TOWNSHIP if scope == "own" else OTHER_TOWNSHIP,
                  notice_id)


def escalation_of(login_as, runtime, target: Target) -> int:
    """Fire the case's reminder timer (as the service would) and return the escalation it opened."""
    with runtime.unit_of_work() as uow:
        found = uow.session.scalar(select(Escalation.id).where(Escalation.process_instance_id == target.case_id))
    if found is not None:
        return found
    fire_job(runtime, FireJob(SYSTEM, target.job_id))
    with runtime.unit_of_work() as uow:
        return uow.session.scalar(select(Escalation.id).where(Escalation.process_instance_id == target.case_id))
