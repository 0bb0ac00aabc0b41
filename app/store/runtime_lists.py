"""The runtime lists of the engine API (tasks, cases, jobs, incidents, definitions), as Camunda filters them."""

from collections.abc import Mapping
from operator import eq, ge, gt, le, lt
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.domain import clock
from app.domain.actors import Actor

from .listing import (
    EVERY_ROW,
    Filter,
    Listing,
    equal,
    like,
    moment,
    never,
    never_when_true,
    none_of,
    not_like,
    number,
    one_of,
    tenants,
    visible_tenant,
    when_true,
)
from .queries import latest_of_its_county
from .tables import (
    Deployment,
    EventSubscription,
    ExternalTask,
    HistoryActivity,
    Incident,
    Job,
    ProcessDefinition,
    ProcessInstance,
    Task,
    TaskCandidate,
)
from .tenancy import in_scope

NO_CASES = {name: never() for name in ("caseInstanceId", "caseExecutionId", "caseDefinitionId", "caseDefinitionKey",
                                       "caseDefinitionName", "caseDefinitionNameLike", "caseInstanceBusinessKey",
                                       "caseInstanceBusinessKeyLike")}  # CMMN is not served


def of_definitions(column: Any, condition: Any) -> object:
    """`column` names a process definition that satisfies `condition`."""
    return column.in_(select(ProcessDefinition.id).where(condition))


def definition_name(column: Any) -> dict[str, Any]:
    return {"processDefinitionName": Filter("string", lambda v: of_definitions(column, ProcessDefinition.name == v)),
            "processDefinitionNameLike": Filter("string", lambda v: of_definitions(
                column, ProcessDefinition.name.like(v)))}


def suspension(column: Any) -> dict[str, Any]:
    """`active` / `suspended`: a task, job or external task is suspended with its case."""
    return {"active": when_true(column.is_(False)), "suspended": when_true(column.is_(True))}


def _candidate(condition: Any) -> Any:
    return exists().where(TaskCandidate.task_id == Task.id, condition)


def _in_scope(model: Any, actor: Actor) -> Any:
    return select(model).where(in_scope(model, actor))


def _visible_tasks(actor: Actor) -> Any:
    query = _in_scope(Task, actor)
    if not actor.may("task.read_all"):
        offered = _candidate(TaskCandidate.group_id.in_(actor.groups)
                             & in_scope(TaskCandidate, actor))
        query = query.where(or_(Task.assignee == actor.username, offered))
    return query


def _offered(kind: str, condition: Any) -> Filter:
    """A candidate filter; assigned tasks are left out by `task_extra`, as Camunda does."""
    return Filter(kind, lambda v: _candidate(condition(v)))


TASK_FILTERS: dict[str, Filter] = {
    "taskId": equal(Task.id), "taskIdIn": one_of(Task.id),
    "processInstanceId": equal(Task.process_instance_id), "processInstanceIdIn": one_of(Task.process_instance_id),
    "processInstanceBusinessKey": equal(Task.business_key), "processInstanceBusinessKeyIn": one_of(Task.business_key),
    "processInstanceBusinessKeyLike": like(Task.business_key),
    "processDefinitionId": equal(Task.definition_id), "processDefinitionKey": equal(Task.definition_key),
    "processDefinitionKeyIn": one_of(Task.definition_key), **definition_name(Task.definition_id),
    "executionId": equal(Task.process_instance_id), "activityInstanceIdIn": one_of(Task.id),
    **NO_CASES, **tenants(Task.tenant_id, refuse_both=True),
    "assignee": equal(Task.assignee), "assigneeLike": like(Task.assignee), "assigneeIn": one_of(Task.assignee),
    "assigneeNotIn": none_of(Task.assignee), "owner": never(), "delegationState": never(), "parentTaskId": never(),
    "candidateGroup": _offered("string", lambda v: TaskCandidate.group_id == v),
    "candidateGroupLike": _offered("string", lambda v: TaskCandidate.group_id.like(v)),
    "candidateGroups": _offered("strings", lambda v: TaskCandidate.group_id.in_(v)),
    "includeAssignedTasks": EVERY_ROW,  # read by `task_extra`
    "assigned": when_true(Task.assignee.is_not(None)), "unassigned": when_true(Task.assignee.is_(None)),
    "withCandidateGroups": when_true(_candidate(literal(True))),
    "withoutCandidateGroups": when_true(~_candidate(literal(True))),
    "withCandidateUsers": never_when_true(), "withoutCandidateUsers": EVERY_ROW,  # candidates are groups here
    "taskDefinitionKey": equal(Task.activity_id), "taskDefinitionKeyIn": one_of(Task.activity_id),
    "taskDefinitionKeyNotIn": none_of(Task.activity_id), "taskDefinitionKeyLike": like(Task.activity_id),
    "name": equal(Task.name), "nameNotEqual": Filter("string", lambda v: Task.name != v),
    "nameLike": like(Task.name), "nameNotLike": not_like(Task.name),
    "description": never(), "descriptionLike": never(),
    "priority": number(Task.priority), "maxPriority": number(Task.priority, le),
    "minPriority": number(Task.priority, ge),
    "dueDate": moment(Task.due, eq), "dueAfter": moment(Task.due, gt),
    "dueBefore": moment(Task.due, lt), "withoutDueDate": when_true(Task.due.is_(None)),
    "followUpDate": moment(Task.follow_up, eq),
    "followUpAfter": moment(Task.follow_up, gt),
    "followUpBefore": moment(Task.follow_up, lt),
    "followUpBeforeOrNotExistent": moment(Task.follow_up, lambda c, v: c.is_(None) | (c < v)),
    "createdOn": moment(Task.created, eq), "createdAfter": moment(Task.created, gt),
    "createdBefore": moment(Task.created, lt),
    **suspension(Task.suspended),
}
_CANDIDATE_FILTERS = ("candidateGroup", "candidateGroupLike", "candidateGroups")


def task_extra(params: Mapping[str, Any]) -> Any:
    """A candidate filter leaves out assigned tasks unless `includeAssignedTasks` is true (as in Camunda)."""
    if any(params.get(name) is not None for name in _CANDIDATE_FILTERS) and not params.get("includeAssignedTasks"):
        return Task.assignee.is_(None)
    return None


TASKS = Listing(
    _visible_tasks, TASK_FILTERS,
    {"instanceId": Task.process_instance_id, "executionId": Task.process_instance_id, "dueDate": Task.due,
     "assignee": Task.assignee, "created": Task.created, "id": Task.id, "name": Task.name, "priority": Task.priority,
     "caseInstanceId": None, "caseExecutionId": None, "description": None},
    (Task.id,), extra=task_extra, reusable=True,
    columns=tuple(Task.__table__.c[name] for name in (
        "id", "name", "assignee", "created", "due", "follow_up", "priority", "definition_id", "process_instance_id",
        "activity_id", "form_key", "candidate_groups", "due_provisional", "business_key", "suspended", "tenant_id")))


def _with_incident(column: Any, condition: Any = literal(True)) -> Any:
    return exists().where(Incident.process_instance_id == column, condition)


def incident_filters(column: Any) -> dict[str, Any]:
    return {"withIncident": when_true(_with_incident(column)),
            "incidentId": Filter("string", lambda v: _with_incident(column, Incident.id == v)),
            "incidentType": Filter("string", lambda v: _with_incident(column, Incident.type == v)),
            "incidentMessage": Filter("string", lambda v: _with_incident(column, Incident.message == v)),
            "incidentMessageLike": Filter("string", lambda v: _with_incident(column, Incident.message.like(v)))}


def open_activity(column: Any, condition: Any) -> Any:
    return exists().where(HistoryActivity.process_instance_id == column, HistoryActivity.end_time.is_(None), condition)


_SUB = aliased(ProcessInstance)  # another instance: one a call activity started, or the one that started it


CASE_TENANTS = tenants(ProcessInstance.tenant_id)  # a case's tenant: also its execution's, variables' and details'


def _running_cases(actor: Actor) -> Any:
    return _in_scope(ProcessInstance, actor).where(ProcessInstance.state == "ACTIVE")


def _deployed_in(column: Any) -> Any:
    return Filter("string", lambda v: of_definitions(column, ProcessDefinition.deployment_id == v))


INSTANCES = Listing(
    _running_cases,
    {"processInstanceIds": one_of(ProcessInstance.id), "businessKey": equal(ProcessInstance.business_key),
     "businessKeyLike": like(ProcessInstance.business_key), "caseInstanceId": never(),
     "processDefinitionId": equal(ProcessInstance.definition_id),
     "processDefinitionKey": equal(ProcessInstance.definition_key),
     "processDefinitionKeyIn": one_of(ProcessInstance.definition_key),
     "processDefinitionKeyNotIn": none_of(ProcessInstance.definition_key),
     "deploymentId": _deployed_in(ProcessInstance.definition_id),
     "superProcessInstance": equal(ProcessInstance.super_process_instance_id),
     "subProcessInstance": Filter("string", lambda v: ProcessInstance.id == select(
         _SUB.super_process_instance_id).where(_SUB.id == v).scalar_subquery()),
     **{name: never() for name in ("superCaseInstance", "subCaseInstance")},
     "active": when_true(ProcessInstance.suspended.is_(False)),
     "suspended": when_true(ProcessInstance.suspended.is_(True)),
     **incident_filters(ProcessInstance.id), **CASE_TENANTS,
     "processDefinitionWithoutTenantId": when_true(of_definitions(ProcessInstance.definition_id,
                                                                   ProcessDefinition.tenant_id.is_(None))),
     "activityIdIn": Filter("strings", lambda v: open_activity(ProcessInstance.id, _activity_in(v))),
     "rootProcessInstances": when_true(ProcessInstance.super_process_instance_id.is_(None)),
     "leafProcessInstances": when_true(~exists().where(_SUB.super_process_instance_id == ProcessInstance.id,
                                                       _SUB.state == "ACTIVE")),
     "rootProcessInstanceId": Filter("string", lambda v: func.coalesce(ProcessInstance.root_process_instance_id,
                                                                       ProcessInstance.id) == v)},
    {"instanceId": ProcessInstance.id, "definitionKey": ProcessInstance.definition_key,
     "definitionId": ProcessInstance.definition_id, "businessKey": ProcessInstance.business_key,
     "tenantId": ProcessInstance.tenant_id},
    (ProcessInstance.started_at, ProcessInstance.id), permission="case.read")


# every case is one execution here: its own root, the executionId the API answers for everything in it
EXECUTIONS = Listing(
    _running_cases,
    {"businessKey": equal(ProcessInstance.business_key), "processDefinitionId": equal(ProcessInstance.definition_id),
     "processDefinitionKey": equal(ProcessInstance.definition_key), "processInstanceId": equal(ProcessInstance.id),
     "activityId": Filter("string", lambda v: open_activity(ProcessInstance.id, HistoryActivity.activity_id == v)),
     "signalEventSubscriptionName": Filter("string", lambda v: exists().where(
         EventSubscription.process_instance_id == ProcessInstance.id, EventSubscription.event_name == v,
         EventSubscription.event_type == "signal")),
     "messageEventSubscriptionName": Filter("string", lambda v: exists().where(
         EventSubscription.process_instance_id == ProcessInstance.id, EventSubscription.event_name == v,
         EventSubscription.event_type == "message")),
     "active": when_true(ProcessInstance.suspended.is_(False)),
     "suspended": when_true(ProcessInstance.suspended.is_(True)),
     **{k: f for k, f in incident_filters(ProcessInstance.id).items() if k != "withIncident"},
     "tenantIdIn": CASE_TENANTS["tenantIdIn"]},
    {"instanceId": ProcessInstance.id, "definitionKey": ProcessInstance.definition_key,
     "definitionId": ProcessInstance.definition_id, "tenantId": ProcessInstance.tenant_id},
    (ProcessInstance.started_at, ProcessInstance.id), permission="case.read",
    columns=(ProcessInstance.id, ProcessInstance.tenant_id))


def _activity_in(ids: Any) -> Any:
    return HistoryActivity.activity_id.in_(ids)


def _jobs(actor: Actor) -> Any:
    return _in_scope(Job, actor)


JOB_DEFINITION_ID = Job.definition_id + literal("#") + Job.activity_id


def _executable() -> Any:
    return (Job.retries > 0) & (Job.due.is_(None) | (Job.due <= clock.now()))


def _constant(test: Any) -> Any:
    """A condition on a value every row shares (e.g. every job's priority 0)."""
    return lambda v: literal(True) if test(v) else literal(False)


JOBS = Listing(
    _jobs,
    {"jobId": equal(Job.id), "jobIds": one_of(Job.id), "jobDefinitionId": equal(JOB_DEFINITION_ID),
     "processInstanceId": equal(Job.process_instance_id), "processInstanceIds": one_of(Job.process_instance_id),
     "executionId": equal(Job.process_instance_id), "processDefinitionId": equal(Job.definition_id),
     "processDefinitionKey": equal(Job.definition_key), "activityId": equal(Job.activity_id),
     "withRetriesLeft": when_true(Job.retries > 0), "noRetriesLeft": when_true(Job.retries == 0),
     "executable": Filter("boolean", lambda v: _executable() if v else None),
     "timers": EVERY_ROW, "messages": never_when_true(),  # every job here is a timer
     "dueDates": Filter("comparisons", lambda v: and_(*(op(Job.due, when) for op, when in v))),
     "createTimes": Filter("comparisons", lambda v: and_(*(op(Job.created, when) for op, when in v))),
     "withException": when_true(Job.exception_message.is_not(None)),
     "exceptionMessage": equal(Job.exception_message),
     "failedActivityId": Filter("string", lambda v: (Job.failed_activity_id == v) & Job.exception_message.is_not(None)),
     **suspension(Job.suspended),
     "priorityLowerThanOrEquals": Filter("integer", _constant(lambda v: 0 <= v)),
     "priorityHigherThanOrEquals": Filter("integer", _constant(lambda v: 0 >= v)),
     **tenants(Job.tenant_id, "includeJobsWithoutTenantId"),
     "acquired": never_when_true()},  # a due job is taken and fired inside one transaction
    {"jobId": Job.id, "executionId": Job.process_instance_id, "processInstanceId": Job.process_instance_id,
     "processDefinitionId": Job.definition_id, "processDefinitionKey": Job.definition_key, "jobRetries": Job.retries,
     "jobDueDate": Job.due, "jobPriority": None, "tenantId": Job.tenant_id},
    (Job.due, Job.id), permission="case.read")


def _incidents(actor: Actor) -> Any:
    return _in_scope(Incident, actor)


INCIDENTS = Listing(
    _incidents,
    {"incidentId": equal(Incident.id), "incidentType": equal(Incident.type), "incidentMessage": equal(Incident.message),
     "incidentMessageLike": like(Incident.message), "processDefinitionId": equal(Incident.definition_id),
     "processDefinitionKeyIn": Filter("strings", lambda v: of_definitions(Incident.definition_id,
                                                                            ProcessDefinition.key.in_(v))),
     "processInstanceId": equal(Incident.process_instance_id), "executionId": equal(Incident.process_instance_id),
     "incidentTimestampBefore": moment(Incident.created, lt),
     "incidentTimestampAfter": moment(Incident.created, gt),
     "activityId": equal(Incident.activity_id), "failedActivityId": equal(Incident.failed_activity_id),
     "causeIncidentId": equal(Incident.id), "rootCauseIncidentId": equal(Incident.id),  # each is its own cause
     "configuration": Filter("string", lambda v: (Incident.job_id == v) | (Incident.id == v)),
     "jobDefinitionIdIn": Filter("strings", lambda v: (Incident.type == "failedJob") & (
         (Incident.definition_id + literal("#") + Incident.activity_id).in_(v))),
     "tenantIdIn": tenants(Incident.tenant_id)["tenantIdIn"]},
    {"incidentId": Incident.id, "incidentMessage": Incident.message, "incidentTimestamp": Incident.created,
     "incidentType": Incident.type, "executionId": Incident.process_instance_id, "activityId": Incident.activity_id,
     "processInstanceId": Incident.process_instance_id, "processDefinitionId": Incident.definition_id,
     "causeIncidentId": Incident.id, "rootCauseIncidentId": Incident.id, "configuration": Incident.job_id,
     "tenantId": Incident.tenant_id},
    (Incident.created, Incident.id), permission="case.read")


def _definitions(actor: Actor) -> Any:
    return select(ProcessDefinition).where(visible_tenant(actor, ProcessDefinition.tenant_id))


def _latest(flag: bool) -> Any:
    return latest_of_its_county() if flag else None


def _deployed(compare: Any) -> Any:
    return Filter("datetime", lambda v: ProcessDefinition.deployment_id.in_(
        select(Deployment.id).where(compare(Deployment.deployed_at, v))))


def _definition_incident(condition: Any) -> Any:
    return exists().where(Incident.definition_id == ProcessDefinition.id, condition)


DEPLOY_TIME = select(Deployment.deployed_at).where(Deployment.id == ProcessDefinition.deployment_id).scalar_subquery()

DEFINITIONS = Listing(
    _definitions,
    {"processDefinitionId": equal(ProcessDefinition.id), "processDefinitionIdIn": one_of(ProcessDefinition.id),
     "name": equal(ProcessDefinition.name), "nameLike": like(ProcessDefinition.name),
     "deploymentId": equal(ProcessDefinition.deployment_id),
     "deployedAfter": _deployed(gt), "deployedAt": _deployed(eq),
     "key": equal(ProcessDefinition.key), "keysIn": one_of(ProcessDefinition.key),
     "keyLike": like(ProcessDefinition.key),
     "category": never(), "categoryLike": never(), "version": number(ProcessDefinition.version),
     "latestVersion": Filter("boolean", _latest),
     "resourceName": equal(ProcessDefinition.resource_name), "resourceNameLike": like(ProcessDefinition.resource_name),
     "active": when_true(ProcessDefinition.suspended.is_(False)),
     "suspended": when_true(ProcessDefinition.suspended.is_(True)),
     "incidentId": Filter("string", lambda v: _definition_incident(Incident.id == v)),
     "incidentType": Filter("string", lambda v: _definition_incident(Incident.type == v)),
     "incidentMessage": Filter("string", lambda v: _definition_incident(Incident.message == v)),
     "incidentMessageLike": Filter("string", lambda v: _definition_incident(Incident.message.like(v))),
     **tenants(ProcessDefinition.tenant_id, "includeProcessDefinitionsWithoutTenantId"),
     "versionTag": never(), "versionTagLike": never(), "withoutVersionTag": EVERY_ROW,
     "startableInTasklist": EVERY_ROW, "notStartableInTasklist": never_when_true()},
    {"category": None, "key": ProcessDefinition.key, "id": ProcessDefinition.id, "name": ProcessDefinition.name,
     "version": ProcessDefinition.version, "deploymentId": ProcessDefinition.deployment_id, "deployTime": DEPLOY_TIME,
     # Camunda's engine sorts by "tenantId"; its OpenAPI document spells the value "tenantId " (with the space)
     "tenantId": ProcessDefinition.tenant_id, "tenantId ": ProcessDefinition.tenant_id, "versionTag": None},
    (ProcessDefinition.key, ProcessDefinition.version), permission="definition.read")



def _lock_held() -> Any:
    return ExternalTask.lock_expiration > clock.now()


_X = ExternalTask
EXTERNAL_TASKS = Listing(
    lambda actor: _in_scope(ExternalTask, actor),
    {"externalTaskId": equal(_X.id), "externalTaskIdIn": one_of(_X.id), "topicName": equal(_X.topic),
     "workerId": equal(_X.worker_id),
     "locked": Filter("boolean", lambda v: _lock_held() if v else None),
     "notLocked": Filter("boolean", lambda v: (_X.lock_expiration.is_(None) | ~_lock_held()) if v else None),
     "withRetriesLeft": when_true(_X.retries.is_(None) | (_X.retries > 0)), "noRetriesLeft": when_true(_X.retries == 0),
     "lockExpirationAfter": moment(_X.lock_expiration, gt), "lockExpirationBefore": moment(_X.lock_expiration, lt),
     "activityId": equal(_X.activity_id), "activityIdIn": one_of(_X.activity_id),
     "executionId": equal(_X.process_instance_id), "processInstanceId": equal(_X.process_instance_id),
     "processInstanceIdIn": one_of(_X.process_instance_id), "processDefinitionId": equal(_X.definition_id),
     "processDefinitionKey": equal(_X.definition_key), "processDefinitionKeyIn": one_of(_X.definition_key),
     **definition_name(_X.definition_id), "tenantIdIn": tenants(_X.tenant_id)["tenantIdIn"], **suspension(_X.suspended),
     "priorityHigherThanOrEquals": number(_X.priority, ge), "priorityLowerThanOrEquals": number(_X.priority, le)},
    {"id": _X.id, "lockExpirationTime": _X.lock_expiration, "processInstanceId": _X.process_instance_id,
     "processDefinitionId": _X.definition_id, "processDefinitionKey": _X.definition_key, "taskPriority": _X.priority,
     "tenantId": _X.tenant_id},
    (_X.created, _X.id), permission="case.read")
