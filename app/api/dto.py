"""Shape rows as the JSON Camunda 7 returns for them."""

from typing import Any

from .support import camunda_date
from .variables import to_camunda


def _form_ref(form_id: str | None) -> dict | None:
    if not form_id:
        return None
    key, version, *_ = form_id.split(":") + [None, None]
    return {"key": key, "binding": "version", "version": int(version) if version else None}


def task(row: Any) -> dict:
    form_ref = _form_ref(row.form_key)
    return {"id": row.id, "name": row.name, "assignee": row.assignee, "owner": None,
            "created": camunda_date(row.created), "due": camunda_date(row.due),
            "followUp": camunda_date(row.follow_up), "priority": row.priority,
            "processDefinitionId": row.definition_id, "processInstanceId": row.process_instance_id,
            "executionId": row.process_instance_id, "taskDefinitionKey": row.activity_id,
            "formKey": f"camunda-forms:deployment:{form_ref['key']}.form" if form_ref else None,
            "camundaFormRef": form_ref,
            "candidateGroups": row.candidate_groups, "dueProvisional": row.due_provisional,
            "businessKey": row.business_key, "suspended": False, "tenantId": None, "description": None,
            "delegationState": None, "parentTaskId": None, "caseInstanceId": None, "caseExecutionId": None,
            "caseDefinitionId": None, "lastUpdated": None, "taskState": "Created"}


def instance(row: Any) -> dict:
    return {"id": row.id, "definitionId": row.definition_id, "businessKey": row.business_key,
            "caseInstanceId": None, "ended": row.state != "ACTIVE", "suspended": False, "tenantId": None,
            "links": []}


def definition(row: Any) -> dict:
    return {"id": row.id, "key": row.key, "name": row.name, "version": row.version, "category": None,
            "description": None, "deploymentId": row.deployment_id, "resource": row.resource_name,
            "diagram": None, "suspended": False, "tenantId": None, "versionTag": None,
            "historyTimeToLive": None, "startableInTasklist": True}


def history_instance(row: Any) -> dict:
    duration = None
    if row.ended_at:
        duration = int((row.ended_at - row.started_at).total_seconds() * 1000)
    return {"id": row.id, "businessKey": row.business_key, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "startTime": camunda_date(row.started_at),
            "endTime": camunda_date(row.ended_at), "durationInMillis": duration, "startUserId": row.started_by,
            "state": row.state, "superProcessInstanceId": None, "deleteReason": None, "tenantId": None}


def activity(row: Any) -> dict:
    duration = int((row.end_time - row.start_time).total_seconds() * 1000) if row.end_time else None
    return {"id": row.id, "activityId": row.activity_id, "activityName": row.activity_name,
            "activityType": row.activity_type, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "processInstanceId": row.process_instance_id,
            "executionId": row.process_instance_id, "taskId": row.id if row.activity_type == "userTask" else None,
            "assignee": row.assignee, "startTime": camunda_date(row.start_time),
            "endTime": camunda_date(row.end_time), "durationInMillis": duration, "canceled": row.canceled,
            "completeScope": row.activity_type.endswith("EndEvent"), "tenantId": None}


def history_task(row: Any) -> dict:
    base = activity(row)
    return {"id": row.id, "name": row.activity_name, "taskDefinitionKey": row.activity_id,
            "processInstanceId": row.process_instance_id, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "assignee": row.assignee,
            "startTime": base["startTime"], "endTime": base["endTime"], "duration": base["durationInMillis"],
            "due": camunda_date(row.due), "deleteReason": row.delete_reason or ("completed" if row.end_time else None),
            "candidateGroups": row.candidate_groups}


def job(row: Any) -> dict:
    return {"id": row.id, "jobDefinitionId": f"{row.definition_id}#{row.activity_id}",
            "processInstanceId": row.process_instance_id, "executionId": row.process_instance_id,
            "processDefinitionId": row.definition_id, "processDefinitionKey": row.definition_key,
            "activityId": row.activity_id, "dueDate": camunda_date(row.due), "retries": row.retries,
            "exceptionMessage": row.exception_message, "failedActivityId": None, "suspended": False,
            "priority": 0, "tenantId": None, "createTime": camunda_date(row.created)}


def incident(row: Any) -> dict:
    return {"id": row.id, "processDefinitionId": row.definition_id, "processInstanceId": row.process_instance_id,
            "executionId": row.process_instance_id, "incidentTimestamp": camunda_date(row.created),
            "incidentType": row.type, "activityId": row.activity_id, "failedActivityId": row.activity_id,
            "causeIncidentId": row.id, "rootCauseIncidentId": row.id, "configuration": row.job_id,
            "incidentMessage": row.message, "tenantId": None, "jobDefinitionId": None, "annotation": None}


def locked_external_task(row: Any, variables: dict) -> dict:
    return {"activityId": row.activity_id, "activityInstanceId": row.id, "errorMessage": row.error_message,
            "errorDetails": row.error_details, "executionId": row.process_instance_id, "id": row.id,
            "lockExpirationTime": camunda_date(row.lock_expiration), "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "processInstanceId": row.process_instance_id,
            "retries": row.retries, "workerId": row.worker_id, "topicName": row.topic, "tenantId": None,
            "variables": to_camunda(variables), "priority": row.priority, "businessKey": row.business_key,
            "extensionProperties": {}}
