"""Camunda's user operation log (GET /history/user-operation), read from the cases' event logs: each case event
is one entry — who gave which command on which case, task, external task or job, and when."""

from operator import gt, lt
from typing import Any

from sqlalchemy import String, and_, case, cast, literal, select

from app.domain.actors import Actor

from .listing import Filter, Listing, equal, moment, never
from .tables import CaseEvent, ProcessDefinition, ProcessInstance
from .tenancy import in_scope

# command -> (Camunda's operationType, entityType, category); a command Camunda has no name for keeps its own
OPERATIONS = {
    "start": ("Create", "ProcessInstance", "Operator"),
    "complete": ("Complete", "Task", "TaskWorker"),
    "claim": ("Claim", "Task", "TaskWorker"),
    "unclaim": ("Claim", "Task", "TaskWorker"),  # Camunda logs a give-back as a claim to nobody
    "message": ("CorrelateMessage", "ProcessInstance", "Operator"),
    "timer": ("Execute", "Job", "Operator"),
    "job_due": ("SetDueDate", "Job", "Operator"),
    "external_complete": ("Complete", "ExternalTask", "Operator"),
    "external_failure": ("HandleFailure", "ExternalTask", "Operator"),
    "external_retries": ("SetExternalTaskRetries", "ExternalTask", "Operator"),
    "external_bpmn_error": ("HandleBpmnError", "ExternalTask", "Operator"),
    "task_bpmn_error": ("HandleBpmnError", "Task", "TaskWorker"),
    "task_escalation": ("HandleEscalation", "Task", "TaskWorker"),
    "variables": ("ModifyVariable", "Variable", "Operator"),
    "cancel": ("Delete", "ProcessInstance", "Operator"),
    "modification": ("ModifyProcessInstance", "ProcessInstance", "Operator"),
    "migration": ("Migrate", "ProcessInstance", "Operator"),
    "comment": ("CreateComment", "Comment", "TaskWorker"),
    "attach": ("AddAttachment", "Attachment", "TaskWorker"),
    "detach": ("DeleteAttachment", "Attachment", "TaskWorker"),
    "standard_change": ("ModifyVariable", "Variable", "Operator"),
}
_SUSPENDED = CaseEvent.inputs["suspended"].as_boolean()
OPERATION_TYPE = case((and_(CaseEvent.command == "suspension", _SUSPENDED), literal("Suspend")),
                      (CaseEvent.command == "suspension", literal("Activate")),
                      *((CaseEvent.command == c, literal(t)) for c, (t, _, _) in OPERATIONS.items()),
                      else_=CaseEvent.command)
ENTITY_TYPE = case(*((CaseEvent.command == c, literal(e)) for c, (_, e, _) in OPERATIONS.items()),
                   else_=literal("ProcessInstance"))
CATEGORY = case(*((CaseEvent.command == c, literal(k)) for c, (_, _, k) in OPERATIONS.items() if k != "Operator"),
                else_=literal("Operator"))
_TASK_ID = CaseEvent.inputs["taskId"].as_string()
TASK_ID = case((ENTITY_TYPE.in_(["Task", "Comment", "Attachment"]), _TASK_ID), else_=None)
EXTERNAL_TASK_ID = case((ENTITY_TYPE == "ExternalTask", _TASK_ID), else_=None)
JOB_ID = case((ENTITY_TYPE == "Job", CaseEvent.inputs["jobId"].as_string()), else_=None)
ANNOTATION = CaseEvent.inputs["annotation"].as_string()
ENTRY_ID = cast(CaseEvent.id, String)
DEPLOYMENT_ID = select(ProcessDefinition.deployment_id).where(
    ProcessDefinition.id == ProcessInstance.definition_id).scalar_subquery()


def _events(actor: Actor) -> Any:
    return (select(CaseEvent).join(ProcessInstance, ProcessInstance.id == CaseEvent.process_instance_id)
            .where(in_scope(ProcessInstance, actor)))


def _among(column: Any) -> Filter:
    return Filter("strings", lambda v: column.in_(v))


USER_OPERATIONS = Listing(
    _events,
    {"deploymentId": equal(DEPLOYMENT_ID), "processDefinitionId": equal(ProcessInstance.definition_id),
     "processDefinitionKey": equal(ProcessInstance.definition_key),
     "processInstanceId": equal(CaseEvent.process_instance_id), "executionId": equal(CaseEvent.process_instance_id),
     "caseDefinitionId": never(), "caseInstanceId": never(), "caseExecutionId": never(), "batchId": never(),
     "taskId": equal(TASK_ID), "externalTaskId": equal(EXTERNAL_TASK_ID), "jobId": equal(JOB_ID),
     "userId": equal(CaseEvent.actor), "operationId": equal(ENTRY_ID), "operationType": equal(OPERATION_TYPE),
     "entityType": equal(ENTITY_TYPE), "entityTypeIn": _among(ENTITY_TYPE), "category": equal(CATEGORY),
     "categoryIn": _among(CATEGORY), "afterTimestamp": moment(CaseEvent.at, gt),
     "beforeTimestamp": moment(CaseEvent.at, lt)},
    {"timestamp": CaseEvent.at},
    (CaseEvent.at, CaseEvent.id), permission="history.read",
    columns=(ENTRY_ID.label("id"), CaseEvent.actor, CaseEvent.at, CaseEvent.command, CaseEvent.process_instance_id,
             ProcessInstance.definition_id, ProcessInstance.definition_key, DEPLOYMENT_ID.label("deployment_id"),
             OPERATION_TYPE.label("operation_type"), ENTITY_TYPE.label("entity_type"), CATEGORY.label("category"),
             TASK_ID.label("task_id"), EXTERNAL_TASK_ID.label("external_task_id"), JOB_ID.label("job_id"),
             ANNOTATION.label("annotation")))
