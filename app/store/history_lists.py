"""The history lists of the engine API (cases, activities, user tasks), as Camunda filters them."""

from operator import eq, ge, gt, le, lt
from typing import Any

from sqlalchemy import String, case, cast, exists, func, literal, null, select
from sqlalchemy.orm import aliased

from app.domain.actors import Actor

from .listing import (
    Filter,
    Listing,
    equal,
    like,
    moment,
    never,
    never_when_true,
    none_of,
    number,
    one_of,
    tenants,
    when_true,
)
from .runtime_lists import CASE_TENANTS, NO_CASES, definition_name, of_definitions
from .tables import (
    CaseEvent,
    HistoryActivity,
    HistoryIncident,
    Incident,
    Job,
    JobLog,
    ProcessDefinition,
    ProcessInstance,
)
from .tenancy import in_scope


def _in_scope(model: Any, actor: Actor) -> Any:
    return select(model).where(in_scope(model, actor))


def _activity(case_column: Any, condition: Any) -> Any:
    return exists().where(HistoryActivity.process_instance_id == case_column, condition)


def _incident(condition: Any = literal(True)) -> Any:
    return exists().where(Incident.process_instance_id == ProcessInstance.id, condition)


DEFINITION_NAME = select(ProcessDefinition.name).where(
    ProcessDefinition.id == ProcessInstance.definition_id).scalar_subquery()
DEFINITION_VERSION = select(ProcessDefinition.version).where(
    ProcessDefinition.id == ProcessInstance.definition_id).scalar_subquery()
_STATE = ProcessInstance.state


def delete_reason(case_id: Any) -> Any:
    """Why the case was cancelled or voided, as its event recorded it (Camunda's deleteReason); null for any other
    end."""
    return (select(CaseEvent.inputs["reason"].as_string())
            .where(CaseEvent.process_instance_id == case_id, CaseEvent.command.in_(("cancel", "void")))
            .order_by(CaseEvent.seq.desc()).limit(1))


DELETE_REASON = delete_reason(ProcessInstance.id).scalar_subquery()


def _cases(actor: Actor) -> Any:
    return _in_scope(ProcessInstance, actor)


def _executed(compare: Any) -> Any:
    return Filter("datetime", lambda v: _activity(ProcessInstance.id, compare(HistoryActivity.start_time, v)
                                                  | compare(HistoryActivity.end_time, v)))


_CALLED = aliased(ProcessInstance)  # an instance a call activity started, or the one that started it

HISTORY_INSTANCES = Listing(
    _cases,
    {"processInstanceId": equal(ProcessInstance.id), "processInstanceIds": one_of(ProcessInstance.id),
     "processInstanceIdNotIn": none_of(ProcessInstance.id),
     "processDefinitionId": equal(ProcessInstance.definition_id),
     "processDefinitionKey": equal(ProcessInstance.definition_key),
     "processDefinitionKeyIn": one_of(ProcessInstance.definition_key),
     "processDefinitionKeyNotIn": none_of(ProcessInstance.definition_key),
     **definition_name(ProcessInstance.definition_id),
     "processInstanceBusinessKey": equal(ProcessInstance.business_key),
     "processInstanceBusinessKeyIn": one_of(ProcessInstance.business_key),
     "processInstanceBusinessKeyLike": like(ProcessInstance.business_key),
     "rootProcessInstances": when_true(ProcessInstance.super_process_instance_id.is_(None)),
     "rootProcessInstanceId": Filter("string", lambda v: func.coalesce(ProcessInstance.root_process_instance_id,
                                                                       ProcessInstance.id) == v),
     "finished": when_true(ProcessInstance.ended_at.is_not(None)),
     "unfinished": when_true(ProcessInstance.ended_at.is_(None)),
     "withJobsRetrying": when_true(exists().where(Job.process_instance_id == ProcessInstance.id,
                                                  Job.exception_message.is_not(None), Job.retries > 0)),
     "withIncidents": when_true(_incident()), "withRootIncidents": when_true(_incident()),
     "incidentIdIn": Filter("strings", lambda v: _incident(Incident.id.in_(v))),
     "incidentType": Filter("string", lambda v: _incident(Incident.type == v)),
     "incidentMessage": Filter("string", lambda v: _incident(Incident.message == v)),
     "incidentMessageLike": Filter("string", lambda v: _incident(Incident.message.like(v))),
     "startedBefore": moment(ProcessInstance.started_at, le),
     "startedAfter": moment(ProcessInstance.started_at, ge),
     "finishedBefore": moment(ProcessInstance.ended_at, le),
     "finishedAfter": moment(ProcessInstance.ended_at, ge),
     "executedActivityAfter": _executed(ge),
     "executedActivityBefore": _executed(le),
     "startedBy": equal(ProcessInstance.started_by),
     "superProcessInstanceId": equal(ProcessInstance.super_process_instance_id),
     "subProcessInstanceId": Filter("string", lambda v: ProcessInstance.id == select(
         _CALLED.super_process_instance_id).where(_CALLED.id == v).scalar_subquery()),
     **{name: never() for name in ("superCaseInstanceId", "subCaseInstanceId", "caseInstanceId")},
     **CASE_TENANTS,
     "activityIdIn": Filter("strings", lambda v: _activity(ProcessInstance.id, HistoryActivity.end_time.is_(None)
                                                           & HistoryActivity.activity_id.in_(v))),
     "activeActivityIdIn": Filter("strings", lambda v: _activity(
         ProcessInstance.id, HistoryActivity.end_time.is_(None) & HistoryActivity.activity_id.in_(v))),
     "executedActivityIdIn": Filter("strings", lambda v: _activity(
         ProcessInstance.id, HistoryActivity.end_time.is_not(None) & HistoryActivity.activity_id.in_(v))),
     "active": when_true((_STATE == "ACTIVE") & ProcessInstance.suspended.is_(False)),
     "suspended": when_true((_STATE == "ACTIVE") & ProcessInstance.suspended.is_(True)),
     "completed": when_true(_STATE == "COMPLETED"),
     "externallyTerminated": when_true(_STATE == "EXTERNALLY_TERMINATED"),
     "internallyTerminated": never_when_true()},
    {"instanceId": ProcessInstance.id, "definitionId": ProcessInstance.definition_id,
     "definitionKey": ProcessInstance.definition_key, "definitionName": DEFINITION_NAME,
     "definitionVersion": DEFINITION_VERSION, "businessKey": ProcessInstance.business_key,
     "startTime": ProcessInstance.started_at, "endTime": ProcessInstance.ended_at,
     "tenantId": ProcessInstance.tenant_id},
    (ProcessInstance.started_at, ProcessInstance.id), permission="history.read",
    columns=(*(c for c in ProcessInstance.__table__.c if c.name not in ("workflow", "variables")),
             DEFINITION_NAME.label("definition_name"), DELETE_REASON.label("delete_reason")))


def _activities(actor: Actor) -> Any:
    return _in_scope(HistoryActivity, actor)


_H = HistoryActivity
ACTIVITY_COMMON = {
    "processInstanceId": equal(_H.process_instance_id), "processDefinitionId": equal(_H.definition_id),
    "executionId": equal(_H.process_instance_id),
    "finished": when_true(_H.end_time.is_not(None)), "unfinished": when_true(_H.end_time.is_(None)),
    "startedBefore": moment(_H.start_time, le), "startedAfter": moment(_H.start_time, ge),
    "finishedBefore": moment(_H.end_time, le), "finishedAfter": moment(_H.end_time, ge),
    **tenants(_H.tenant_id),
}

ACTIVITIES = Listing(
    _activities,
    {**ACTIVITY_COMMON, "activityInstanceId": equal(_H.id), "activityId": equal(_H.activity_id),
     "activityName": equal(_H.activity_name), "activityType": equal(_H.activity_type),
     "taskAssignee": equal(_H.assignee), "canceled": when_true(_H.canceled.is_(True)),
     "completeScope": when_true(_H.activity_type.like("%EndEvent"))},
    {"activityInstanceId": _H.id, "instanceId": _H.process_instance_id, "executionId": _H.process_instance_id,
     "activityId": _H.activity_id, "activityName": _H.activity_name, "activityType": _H.activity_type,
     "startTime": _H.start_time, "endTime": _H.end_time, "definitionId": _H.definition_id,
     "occurrence": _H.start_time, "tenantId": _H.tenant_id},
    (_H.start_time, _H.id), permission="history.read")

# a completed task has no stored reason: Camunda calls it "completed"
DELETE_REASON = case((_H.delete_reason.is_not(None), _H.delete_reason), (_H.end_time.is_not(None), "completed"),
                     else_=null())


def _user_tasks(actor: Actor) -> Any:
    return _activities(actor).where(_H.activity_type == "userTask")


def _of_cases(condition: Any) -> Any:
    return _H.process_instance_id.in_(select(ProcessInstance.id).where(condition))


def _had_group(v: str) -> Any:
    """A candidate group of the task (kept as a JSON list of names)."""
    return cast(_H.candidate_groups, String).like(f'%"{v}"%')


_HAS_GROUPS = _H.candidate_groups.is_not(None) & (cast(_H.candidate_groups, String).like('%"%'))

HISTORY_TASKS = Listing(
    _user_tasks,
    {**ACTIVITY_COMMON, **NO_CASES, "taskId": equal(_H.id), "taskParentTaskId": never(),
     "rootProcessInstanceId": equal(_H.process_instance_id),
     "processInstanceBusinessKey": Filter("string", lambda v: _of_cases(ProcessInstance.business_key == v)),
     "processInstanceBusinessKeyIn": Filter("strings", lambda v: _of_cases(ProcessInstance.business_key.in_(v))),
     "processInstanceBusinessKeyLike": Filter("string", lambda v: _of_cases(ProcessInstance.business_key.like(v))),
     "processDefinitionKey": equal(_H.definition_key), **definition_name(_H.definition_id),
     "activityInstanceIdIn": one_of(_H.id), "taskName": equal(_H.activity_name), "taskNameLike": like(_H.activity_name),
     "taskDescription": never(), "taskDescriptionLike": never(),
     "taskDefinitionKey": equal(_H.activity_id), "taskDefinitionKeyIn": one_of(_H.activity_id),
     "taskDeleteReason": equal(DELETE_REASON), "taskDeleteReasonLike": like(DELETE_REASON),
     "taskAssignee": equal(_H.assignee), "taskAssigneeLike": like(_H.assignee),
     "taskOwner": never(), "taskOwnerLike": never(), "taskPriority": number(_H.priority),
     "assigned": when_true(_H.assignee.is_not(None)), "unassigned": when_true(_H.assignee.is_(None)),
     "processFinished": when_true(_of_cases(ProcessInstance.ended_at.is_not(None))),
     "processUnfinished": when_true(_of_cases(ProcessInstance.ended_at.is_(None))),
     "taskDueDate": moment(_H.due, eq), "taskDueDateBefore": moment(_H.due, lt),
     "taskDueDateAfter": moment(_H.due, gt), "withoutTaskDueDate": when_true(_H.due.is_(None)),
     "taskInvolvedUser": equal(_H.assignee),  # candidates here are groups: the only user involved is the assignee
     "taskInvolvedGroup": Filter("string", _had_group), "taskHadCandidateGroup": Filter("string", _had_group),
     "taskHadCandidateUser": never(),
     "withCandidateGroups": when_true(_HAS_GROUPS), "withoutCandidateGroups": when_true(~_HAS_GROUPS)},
    {"taskId": _H.id, "activityInstanceId": _H.id, "processDefinitionId": _H.definition_id,
     "processInstanceId": _H.process_instance_id, "executionId": _H.process_instance_id, "endTime": _H.end_time,
     "startTime": _H.start_time, "taskName": _H.activity_name, "assignee": _H.assignee, "dueDate": _H.due,
     "deleteReason": DELETE_REASON, "taskDefinitionKey": _H.activity_id, "priority": _H.priority,
     "tenantId": _H.tenant_id,
     **{name: None for name in ("taskDescription", "owner", "caseDefinitionId", "caseInstanceId",
                                  "caseExecutionId")}},
    (_H.start_time, _H.id), permission="history.read")


_HI = HistoryIncident
# an incident not resolved is open while its case runs, and was deleted with the case when it ended (Camunda)
INCIDENT_STATE = case((_HI.ended.is_not(None), literal("resolved")),
                      (ProcessInstance.state == "ACTIVE", literal("open")), else_=literal("deleted"))
INCIDENT_END = case((_HI.ended.is_not(None), _HI.ended), (ProcessInstance.state == "ACTIVE", null()),
                    else_=ProcessInstance.ended_at)


def _history_incidents(actor: Actor) -> Any:
    return (select(HistoryIncident).join(ProcessInstance, ProcessInstance.id == _HI.process_instance_id)
            .where(in_scope(_HI, actor)))


HISTORY_INCIDENTS = Listing(
    _history_incidents,
    {"incidentId": equal(_HI.id), "incidentType": equal(_HI.type), "incidentMessage": equal(_HI.message),
     "incidentMessageLike": like(_HI.message), "processDefinitionId": equal(_HI.definition_id),
     "processDefinitionKey": equal(ProcessInstance.definition_key),
     "processDefinitionKeyIn": Filter("strings", lambda v: of_definitions(_HI.definition_id,
                                                                           ProcessDefinition.key.in_(v))),
     "processInstanceId": equal(_HI.process_instance_id), "executionId": equal(_HI.process_instance_id),
     "createTimeBefore": moment(_HI.created, lt), "createTimeAfter": moment(_HI.created, gt),
     "endTimeBefore": moment(INCIDENT_END, lt), "endTimeAfter": moment(INCIDENT_END, gt),
     "activityId": equal(_HI.activity_id), "failedActivityId": equal(_HI.failed_activity_id),
     "causeIncidentId": equal(_HI.id), "rootCauseIncidentId": equal(_HI.id),  # each is its own cause
     "configuration": Filter("string", lambda v: (_HI.job_id == v) | (_HI.id == v)),
     "historyConfiguration": equal(_HI.history_configuration),  # a failed job's failure entry in the job log
     "open": when_true(INCIDENT_STATE == "open"), "resolved": when_true(INCIDENT_STATE == "resolved"),
     "deleted": when_true(INCIDENT_STATE == "deleted"),
     "jobDefinitionIdIn": Filter("strings", lambda v: (_HI.type == "failedJob") & (
         (_HI.definition_id + literal("#") + _HI.activity_id).in_(v))),
     **tenants(_HI.tenant_id)},
    {"incidentId": _HI.id, "incidentMessage": _HI.message, "createTime": _HI.created, "endTime": INCIDENT_END,
     "incidentType": _HI.type, "executionId": _HI.process_instance_id, "activityId": _HI.activity_id,
     "processInstanceId": _HI.process_instance_id, "processDefinitionId": _HI.definition_id,
     "processDefinitionKey": ProcessInstance.definition_key, "causeIncidentId": _HI.id, "rootCauseIncidentId": _HI.id,
     "configuration": _HI.job_id, "historyConfiguration": _HI.history_configuration, "tenantId": _HI.tenant_id,
     "incidentState": INCIDENT_STATE},
    (_HI.created, _HI.seq), permission="history.read",
    columns=(*_HI.__table__.c, ProcessInstance.definition_key, INCIDENT_STATE.label("state"),
             INCIDENT_END.label("end_time")))


_JL = JobLog
# the instance an entry's job ran in and the deployment of its definition: read with the entry
_JOB_CASE = aliased(ProcessInstance)
_JOB_DEFINITION = aliased(ProcessDefinition)
JOB_ROOT = func.coalesce(_JOB_CASE.root_process_instance_id, _JOB_CASE.id)
JOB_PRIORITY = literal(0)  # every job here has Camunda's default priority
_JOB_DEFINITION_ID = _JL.definition_id + literal("#") + _JL.activity_id  # as /job gives it


def _job_log(actor: Actor) -> Any:
    return (select(JobLog).join(_JOB_CASE, _JOB_CASE.id == _JL.process_instance_id)
            .join(_JOB_DEFINITION, _JOB_DEFINITION.id == _JL.definition_id).where(in_scope(_JL, actor)))


JOB_LOG = Listing(
    _job_log,
    {"logId": equal(_JL.id), "jobId": equal(_JL.job_id), "jobExceptionMessage": equal(_JL.exception_message),
     "jobDefinitionId": equal(_JOB_DEFINITION_ID), "jobDefinitionType": equal(_JL.job_type),
     "jobDefinitionConfiguration": equal(_JL.configuration), "activityIdIn": one_of(_JL.activity_id),
     "failedActivityIdIn": one_of(_JL.failed_activity_id), "executionIdIn": one_of(_JL.process_instance_id),
     "processInstanceId": equal(_JL.process_instance_id), "processDefinitionId": equal(_JL.definition_id),
     "processDefinitionKey": equal(_JL.definition_key), "deploymentId": equal(_JOB_DEFINITION.deployment_id),
     **tenants(_JL.tenant_id), "hostname": equal(_JL.hostname),
     "jobPriorityLowerThanOrEquals": number(JOB_PRIORITY, le),
     "jobPriorityHigherThanOrEquals": number(JOB_PRIORITY, ge),
     "creationLog": when_true(_JL.state == "created"), "failureLog": when_true(_JL.state == "failed"),
     "successLog": when_true(_JL.state == "successful"), "deletionLog": when_true(_JL.state == "deleted")},
    {"timestamp": _JL.logged_at, "jobId": _JL.job_id, "jobDefinitionId": _JOB_DEFINITION_ID,
     "jobDueDate": _JL.job_due, "jobRetries": _JL.job_retries, "jobPriority": None, "activityId": _JL.activity_id,
     "executionId": _JL.process_instance_id, "processInstanceId": _JL.process_instance_id,
     "processDefinitionId": _JL.definition_id, "processDefinitionKey": _JL.definition_key,
     "deploymentId": _JOB_DEFINITION.deployment_id, "hostname": _JL.hostname,
     "occurrence": _JL.seq, "tenantId": _JL.tenant_id},  # occurrence: the order entries were written in
    (_JL.logged_at, _JL.seq), permission="history.read",
    columns=(*_JL.__table__.c, _JOB_DEFINITION.deployment_id, JOB_ROOT.label("root_process_instance_id")))
