"""Shape rows as the JSON Camunda 7 returns for them (its DTOs' fields, its date format)."""

import uuid

from flask import request

from app.services.forms import is_client_form

from .removal import removal_date, with_removal
from .support import camunda_date
from .variables import to_camunda, typed_value

CASE_FIELDS = {"caseInstanceId": None, "caseExecutionId": None, "caseDefinitionId": None}


def _form_ref(form_id: str | None) -> dict | None:
    if not form_id or is_client_form(form_id):
        return None
    key, version, *_ = form_id.split(":") + [None, None]
    return {"key": key, "binding": "version", "version": int(version) if version else None}


def _millis(start, end) -> int | None:
    return int((end - start).total_seconds() * 1000) if start and end else None


def definition_version(definition_id: str) -> int | None:
    """The version in a definition id (`key:version:deployment`)."""
    parts = definition_id.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


def form_key(form_id: str | None) -> dict:
    """Camunda's FormDto of a task bound to a deployed Camunda Form."""
    ref = _form_ref(form_id)
    if is_client_form(form_id):  # an embedded form: its key as written, for the client that renders it
        return {"key": form_id, "camundaFormRef": None, "contextPath": None}
    return {"key": f"camunda-forms:deployment:{ref['key']}.form" if ref else None, "camundaFormRef": ref,
            "contextPath": None}


def task(row) -> dict:
    form_ref = _form_ref(row.form_key)
    return {"id": row.id, "name": row.name, "assignee": row.assignee, "owner": None,
            "created": camunda_date(row.created), "due": camunda_date(row.due),
            "followUp": camunda_date(row.follow_up), "priority": row.priority,
            "processDefinitionId": row.definition_id, "processInstanceId": row.process_instance_id,
            "executionId": row.process_instance_id, "taskDefinitionKey": row.activity_id,
            "formKey": f"camunda-forms:deployment:{form_ref['key']}.form" if form_ref else None,
            "camundaFormRef": form_ref,
            "candidateGroups": row.candidate_groups, "dueProvisional": row.due_provisional,
            "businessKey": row.business_key, "suspended": row.suspended, "tenantId": row.tenant_id, "description": None,
            "delegationState": None, "parentTaskId": None, **CASE_FIELDS, "lastUpdated": None,
            "taskState": "Created"}


def instance(row) -> dict:
    return {"id": row.id, "definitionId": row.definition_id, "definitionKey": row.definition_key,
            "businessKey": row.business_key, "caseInstanceId": None, "ended": row.state != "ACTIVE",
            "suspended": row.suspended, "tenantId": row.tenant_id, "links": [],
            "superProcessInstanceId": row.super_process_instance_id,
            "rootProcessInstanceId": row.root_process_instance_id or row.id}


def definition(row, time_to_live: int) -> dict:
    """Camunda's ProcessDefinitionDto; `time_to_live`: the days its cases are kept (app/services/removal_times.py)."""
    return {"id": row.id, "key": row.key, "name": row.name, "version": row.version, "category": None,
            "description": None, "deploymentId": row.deployment_id, "resource": row.resource_name,
            "diagram": None, "suspended": row.suspended, "tenantId": row.tenant_id,
            "versionTag": row.version_tag, "historyTimeToLive": time_to_live, "startableInTasklist": True}


def history_instance(row, removal, definition_name: str | None = None, delete_reason: str | None = None) -> dict:
    state = "SUSPENDED" if row.state == "ACTIVE" and row.suspended else row.state
    return {"id": row.id, "rootProcessInstanceId": row.root_process_instance_id or row.id,
            "superProcessInstanceId": row.super_process_instance_id,
            "superCaseInstanceId": None, "caseInstanceId": None,
            "processDefinitionName": getattr(row, "definition_name", definition_name),
            "processDefinitionKey": row.definition_key,
            "processDefinitionVersion": definition_version(row.definition_id),
            "processDefinitionId": row.definition_id, "businessKey": row.business_key,
            "startTime": camunda_date(row.started_at), "endTime": camunda_date(row.ended_at),
            "removalTime": removal_date(removal),
            "durationInMillis": _millis(row.started_at, row.ended_at), "startUserId": row.started_by,
            "startActivityId": None, "deleteReason": getattr(row, "delete_reason", delete_reason),
            "tenantId": row.tenant_id, "state": state,
            "restartedProcessInstanceId": None}


def activity(row, removal) -> dict:
    return {"id": row.id, "parentActivityInstanceId": row.process_instance_id, "activityId": row.activity_id,
            "activityName": row.activity_name, "activityType": row.activity_type,
            "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
            "processInstanceId": row.process_instance_id, "executionId": row.process_instance_id,
            "taskId": row.id if row.activity_type == "userTask" else None, "assignee": row.assignee,
            # a called process instance's id is its call activity instance's (app/services/called_instances.py)
            "calledProcessInstanceId": row.id if row.activity_type == "callActivity" else None,
            "calledCaseInstanceId": None,
            "startTime": camunda_date(row.start_time), "endTime": camunda_date(row.end_time),
            "durationInMillis": _millis(row.start_time, row.end_time), "canceled": row.canceled,
            "completeScope": row.activity_type.endswith("EndEvent"), "tenantId": row.tenant_id,
            "removalTime": removal_date(removal),
            "rootProcessInstanceId": row.process_instance_id}


def _delete_reason(row) -> str | None:
    return row.delete_reason or ("completed" if row.end_time else None)


def history_task(row, removal) -> dict:
    return {"id": row.id, "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
            "processInstanceId": row.process_instance_id, "executionId": row.process_instance_id,
            "caseDefinitionKey": None, **CASE_FIELDS, "activityInstanceId": row.id, "name": row.activity_name,
            "description": None, "deleteReason": _delete_reason(row), "owner": None, "assignee": row.assignee,
            "startTime": camunda_date(row.start_time), "endTime": camunda_date(row.end_time),
            "duration": _millis(row.start_time, row.end_time), "taskDefinitionKey": row.activity_id,
            "priority": row.priority if row.priority is not None else 50, "due": camunda_date(row.due),
            "parentTaskId": None, "followUp": None, "tenantId": row.tenant_id, "removalTime": removal_date(removal),
            "rootProcessInstanceId": row.process_instance_id,
            "taskState": ("Completed" if row.end_time and not row.canceled else "Deleted" if row.end_time
                          else "Created"),
            "candidateGroups": row.candidate_groups}


def job_definition_id(row) -> str:
    return f"{row.definition_id}#{row.activity_id}"


def job(row) -> dict:
    return {"id": row.id, "jobDefinitionId": job_definition_id(row),
            "processInstanceId": row.process_instance_id, "executionId": row.process_instance_id,
            "processDefinitionId": row.definition_id, "processDefinitionKey": row.definition_key,
            "activityId": row.activity_id, "dueDate": camunda_date(row.due), "retries": row.retries,
            "exceptionMessage": row.exception_message,
            "failedActivityId": row.failed_activity_id if row.exception_message else None, "suspended": row.suspended,
            "priority": 0, "tenantId": row.tenant_id, "createTime": camunda_date(row.created), "batchId": None}


def incident(row) -> dict:
    failed_job = row.type == "failedJob"
    return {"id": row.id, "processDefinitionId": row.definition_id, "processInstanceId": row.process_instance_id,
            "executionId": row.process_instance_id, "incidentTimestamp": camunda_date(row.created),
            "incidentType": row.type, "activityId": row.activity_id, "failedActivityId": row.failed_activity_id,
            "causeIncidentId": row.id, "rootCauseIncidentId": row.id, "configuration": row.job_id or row.id,
            "incidentMessage": row.message, "tenantId": row.tenant_id,
            "jobDefinitionId": job_definition_id(row) if failed_job else None, "annotation": None}


def external_task(row) -> dict:
    return {"activityId": row.activity_id, "activityInstanceId": row.id, "errorMessage": row.error_message,
            "executionId": row.process_instance_id, "id": row.id,
            "lockExpirationTime": camunda_date(row.lock_expiration),
            "processDefinitionId": row.definition_id, "processDefinitionKey": row.definition_key,
            "processDefinitionVersionTag": None, "processInstanceId": row.process_instance_id,
            "tenantId": row.tenant_id,
            "retries": row.retries, "suspended": row.suspended, "workerId": row.worker_id, "topicName": row.topic,
            "priority": row.priority, "businessKey": row.business_key, "createTime": camunda_date(row.created)}


def locked_external_task(locked, deserialize: bool = True) -> dict:
    """A task fetchAndLock gave a worker: the task, the case variables it asked for, extension properties."""
    return {**external_task(locked.task), "errorDetails": locked.task.error_details,
            "variables": to_camunda(locked.view.variables, locked.types, deserialize),
            "extensionProperties": locked.extension_properties}


def message_result(row, started: bool, variables: dict | None) -> dict:
    """One result of POST /message with `resultEnabled`: the case started, or the execution the message reached."""
    result = {"resultType": "ProcessDefinition" if started else "Execution", "execution": None,
              "processInstance": None}
    if started:
        result["processInstance"] = instance(row)
    else:
        result["execution"] = {"id": row.id, "processInstanceId": row.id, "ended": row.state != "ACTIVE",
                               "tenantId": row.tenant_id}
    if variables is not None:
        result["variables"] = to_camunda(variables)
    return result


def _incident_refs(incidents: list) -> dict:
    return {"incidentIds": [i.id for i in incidents],
            "incidents": [{"id": i.id, "activityId": i.activity_id} for i in incidents]}


def activity_tree(tree) -> dict:
    """The activity instance tree of a running case: the case, and one child per activity it waits in."""
    row = tree.instance
    children = [{"id": a.id, "parentActivityInstanceId": row.id, "activityId": a.activity_id,
                 "activityType": a.activity_type, "activityName": a.activity_name, "name": a.activity_name,
                 "processInstanceId": row.id, "processDefinitionId": row.definition_id,
                 "childActivityInstances": [], "childTransitionInstances": [], "executionIds": [row.id],
                 **_incident_refs([i for i in tree.incidents if i.activity_id == a.activity_id])}
                for a in tree.waiting]
    return {"id": row.id, "parentActivityInstanceId": None, "activityId": row.definition_id,
            "activityType": "processDefinition", "activityName": tree.process_name, "name": tree.process_name,
            "processInstanceId": row.id, "processDefinitionId": row.definition_id,
            "childActivityInstances": children, "childTransitionInstances": [], "executionIds": [row.id],
            **_incident_refs([i for i in tree.incidents if i.activity_id is None])}


def history_variable(row, removal, deserialize: bool = True) -> dict:
    """A case variable as Camunda's historic (and runtime) variable instance."""
    case = row.instance
    return {"id": row.id, "name": row.name, **typed_value(row.value, row.declared, deserialize),
            "processDefinitionKey": case.definition_key, "processDefinitionId": case.definition_id,
            "processInstanceId": case.id, "executionId": case.id, "activityInstanceId": case.id,
            "caseDefinitionKey": None, "caseDefinitionId": None, "caseInstanceId": None, "caseExecutionId": None,
            "taskId": None, "tenantId": case.tenant_id, "errorMessage": None, "state": "CREATED",
            "createTime": camunda_date(case.started_at), "removalTime": removal_date(removal),
            "rootProcessInstanceId": case.id}


def deployment(row) -> dict:
    return {"id": row.id, "name": row.name, "source": row.source, "tenantId": row.tenant_id,
            "deploymentTime": camunda_date(row.deployed_at), "links": []}


def deployment_with_definitions(result, times_to_live: dict[str, int]) -> dict:
    return {**deployment(result.deployment),
            "deployedProcessDefinitions": {p.id: definition(p, times_to_live[p.id]) for p in result.definitions}
            or None,
            "deployedForms": {f.id: {"id": f.id, "key": f.key, "version": f.version} for f in result.forms} or None,
            "deployedNoticeTemplates": {t.id: {"id": t.id, "kind": t.key, "version": t.version}
                                        for t in result.templates} or None,
            "deployedCaseDefinitions": None, "deployedDecisionDefinitions": None,
            "deployedDecisionRequirementsDefinitions": None}


def resource(row) -> dict:
    return {"id": row.id, "name": row.name, "deploymentId": row.deployment_id}


def called_definition(called, time_to_live: int) -> dict:
    return {**definition(called.definition, time_to_live), "calledFromActivityIds": called.called_from,
            "callingProcessDefinitionId": called.calling_id}


def user_profile(row) -> dict:
    return {"id": row.username, "firstName": row.display_name, "lastName": None, "email": None}


def group_user(row) -> dict:
    return {"id": row.username, "firstName": row.display_name, "lastName": None, "displayName": row.display_name}


def group(row) -> dict:
    return {"id": row.id, "name": row.name, "type": row.type}


def event_subscription(row) -> dict:
    return {"id": f"{row.task_id}:{row.event_name}", "eventType": row.event_type, "eventName": row.event_name,
            "executionId": row.process_instance_id, "processInstanceId": row.process_instance_id,
            "activityId": row.activity_id, "createdDate": camunda_date(row.created), "tenantId": row.tenant_id}


def comment(found, removal) -> dict:
    """A task comment (办理意见) as Camunda's CommentDto."""
    return {"id": found.id, "userId": found.user_id, "time": camunda_date(found.time),
            "taskId": found.task_id, "processInstanceId": found.process_instance_id,
            "message": found.message, "removalTime": removal_date(removal),
            "rootProcessInstanceId": found.process_instance_id,
            "links": [{"method": "GET", "href": f"{request.url_root}engine-rest/task/{found.task_id}/comment/"
                       f"{found.id}", "rel": "self"}]}


# a page of comments, each with its case's removal time
comment_page = with_removal(comment, lambda found: found.process_instance_id)


def user_operation(row, removal) -> dict:
    """A case event as an entry of Camunda's user operation log (UserOperationLogEntryDto)."""
    return {"id": row.id, "userId": row.actor, "timestamp": camunda_date(row.at), "operationId": row.id,
            "operationType": row.operation_type, "entityType": row.entity_type, "category": row.category,
            "annotation": row.annotation, "property": None, "orgValue": None, "newValue": None,
            "deploymentId": row.deployment_id, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "processInstanceId": row.process_instance_id,
            "executionId": row.process_instance_id, "caseDefinitionId": None, "caseInstanceId": None,
            "caseExecutionId": None, "taskId": row.task_id, "externalTaskId": row.external_task_id,
            "batchId": None, "jobId": row.job_id, "jobDefinitionId": None, "removalTime": removal_date(removal),
            "rootProcessInstanceId": row.process_instance_id}


def execution(row) -> dict:
    """A case as its own root execution (Camunda's ExecutionDto)."""
    return {"id": row.id, "processInstanceId": row.id, "ended": False, "tenantId": row.tenant_id}


def completed_batch(batch_type: str, total: int, user_id: str, started) -> dict:
    """Camunda's BatchDto for a batch the service carried out before answering: one job per case, all created
    and run (so, as Camunda removes a finished batch, no /batch resource is left of it)."""
    return {"id": str(uuid.uuid4()), "type": batch_type, "totalJobs": total, "jobsCreated": total,
            "batchJobsPerSeed": 100, "invocationsPerBatchJob": 1, "seedJobDefinitionId": None,
            "monitorJobDefinitionId": None, "batchJobDefinitionId": None, "suspended": False, "tenantId": None,
            "createUserId": user_id, "startTime": camunda_date(started), "executionStartTime": camunda_date(started)}


def history_incident(row, removal) -> dict:
    """Camunda's HistoricIncidentDto: an incident open, resolved, or deleted with its case."""
    failed_job = row.type == "failedJob"
    return {"id": row.id, "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
            "processInstanceId": row.process_instance_id, "executionId": row.process_instance_id,
            "rootProcessInstanceId": row.process_instance_id, "createTime": camunda_date(row.created),
            "endTime": camunda_date(row.end_time), "removalTime": removal_date(removal), "incidentType": row.type,
            "activityId": row.activity_id, "failedActivityId": row.failed_activity_id, "causeIncidentId": row.id,
            "rootCauseIncidentId": row.id, "configuration": row.job_id or row.id,
            "historyConfiguration": row.history_configuration,
            "incidentMessage": row.message, "tenantId": row.tenant_id,
            "jobDefinitionId": job_definition_id(row) if failed_job else None, "open": row.state == "open",
            "deleted": row.state == "deleted", "resolved": row.state == "resolved", "annotation": None}


def job_log(row, removal) -> dict:
    """Camunda's HistoricJobLogDto: one entry of a job's life."""
    return {"id": row.id, "timestamp": camunda_date(row.logged_at), "removalTime": removal_date(removal),
            "jobId": row.job_id,
            "jobDueDate": camunda_date(row.job_due), "jobRetries": row.job_retries, "jobPriority": 0,
            "jobExceptionMessage": row.exception_message, "failedActivityId": row.failed_activity_id,
            "jobDefinitionId": job_definition_id(row), "jobDefinitionType": row.job_type,
            "jobDefinitionConfiguration": row.configuration, "activityId": row.activity_id,
            "executionId": row.process_instance_id, "processInstanceId": row.process_instance_id,
            "processDefinitionId": row.definition_id, "processDefinitionKey": row.definition_key,
            "deploymentId": row.deployment_id, "rootProcessInstanceId": row.root_process_instance_id,
            "tenantId": row.tenant_id, "hostname": row.hostname, "batchId": None,
            "creationLog": row.state == "created", "failureLog": row.state == "failed",
            "successLog": row.state == "successful", "deletionLog": row.state == "deleted"}
