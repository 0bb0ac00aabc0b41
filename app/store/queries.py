"""Read-side queries: the inbox, case lists and history come from tables, never from workflows."""

import functools
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.domain.actors import Actor

from .calendar_generation import GENERATION_SHARED, holds_lock, remember
from .db import GENERIC_PLAN
from .partitions import earliest_row_of
from .tables import (
    CaseEvent,
    FormDefinition,
    HistoryActivity,
    Job,
    OrgUnit,
    ProcessDefinition,
    ProcessInstance,
    Resource,
    Task,
    TaskCandidate,
)
from .tenancy import in_scope


@functools.cache
def _with_case(model: Any, calendar: bool) -> Any:
    columns = (model, ProcessInstance, GENERATION_SHARED) if calendar else (model, ProcessInstance)
    return (select(*columns).join(ProcessInstance, ProcessInstance.id == model.process_instance_id)
            .where(model.id == bindparam("row_id")))


def with_case(session: Session, model: Any, row_id: str) -> tuple[Any, Any]:
    """A case's task, job or external task and the case itself in one query: (row, case), or (None, None). On
    PostgreSQL the same statement holds the calendar for the command and reads its generation
    (app/store/calendar_generation.py)."""
    calendar = holds_lock(session)
    found = session.execute(_with_case(model, calendar), {"row_id": row_id}).first()
    if found is None:
        return None, None
    if calendar:
        remember(session, found[2])
    return found[0], found[1]


def instance_query(actor: Actor, params: dict[str, Any]) -> Any:
    query = select(ProcessInstance).where(in_scope(ProcessInstance, actor))
    if params.get("processDefinitionKey"):
        query = query.where(ProcessInstance.definition_key == params["processDefinitionKey"])
    if params.get("businessKey"):
        query = query.where(ProcessInstance.business_key == params["businessKey"])
    if params.get("active") is not None:
        query = query.where((ProcessInstance.state == "ACTIVE") == params["active"])
    return query.order_by(ProcessInstance.started_at, ProcessInstance.id)


def visible_instance(session: Session, actor: Actor, instance_id: str) -> ProcessInstance | None:
    instance = session.get(ProcessInstance, instance_id)
    return instance if instance is not None and actor.scope.covers(instance.org_path) else None


def activity_query(actor: Actor, params: dict[str, Any], user_tasks_only: bool = False,
                   case: ProcessInstance | None = None) -> Any:
    """History activities in scope, filtered by `params`; given the `case` they belong to, bounded by its start (on
    PostgreSQL, only the partitions from then on are read, by a plan made once for every case: app/store/db.py)."""
    query = select(HistoryActivity).where(in_scope(HistoryActivity, actor))
    if case is not None:
        query = query.where(HistoryActivity.process_instance_id == case.id,
                            HistoryActivity.start_time >= earliest_row_of(case.started_at)
                            ).execution_options(**GENERIC_PLAN)
    if user_tasks_only:
        query = query.where(HistoryActivity.activity_type == "userTask")
    if params.get("processInstanceId"):
        query = query.where(HistoryActivity.process_instance_id == params["processInstanceId"])
    if params.get("processDefinitionKey"):
        query = query.where(HistoryActivity.definition_key == params["processDefinitionKey"])
    activity = params.get("activityId") or params.get("taskDefinitionKey")
    if activity:
        query = query.where(HistoryActivity.activity_id == activity)
    if params.get("finished"):
        query = query.where(HistoryActivity.end_time.is_not(None))
    if params.get("unfinished"):
        query = query.where(HistoryActivity.end_time.is_(None))
    return query.order_by(HistoryActivity.start_time, HistoryActivity.id)


def job_query(actor: Actor, params: dict[str, Any]) -> Any:
    query = select(Job).where(in_scope(Job, actor))
    if params.get("processInstanceId"):
        query = query.where(Job.process_instance_id == params["processInstanceId"])
    if params.get("activityId"):
        query = query.where(Job.activity_id == params["activityId"])
    if params.get("withException"):
        query = query.where(Job.exception_message.is_not(None))
    return query.order_by(Job.due, Job.id)


def latest_of_its_county() -> Any:
    """The condition that a definition is the latest version of its key for its county (a shared one: of the shared
    ones), as Camunda's `latestVersion` per tenant: versions are numbered per county, so one county's deployment
    never hides another county's or the shared latest."""
    other = aliased(ProcessDefinition)
    top = select(other.version).where(
        other.key == ProcessDefinition.key,
        func.coalesce(other.tenant_id, "") == func.coalesce(ProcessDefinition.tenant_id, "")) \
        .order_by(other.version.desc()).limit(1)
    return ProcessDefinition.version == top.scalar_subquery()


def definition_query(params: dict[str, Any]) -> Any:
    query = select(ProcessDefinition)
    if params.get("key"):
        query = query.where(ProcessDefinition.key == params["key"])
    if params.get("latestVersion"):
        query = query.where(latest_of_its_county())
    return query.order_by(ProcessDefinition.key, ProcessDefinition.tenant_id, ProcessDefinition.version)


def inbox_query(actor: Actor, params: dict[str, Any], village_path: str | None = None,
                latest_first: bool = False) -> Any:
    """The web inbox: my tasks and my groups' unclaimed ones, urgent first, by due date (tasks without one last)."""
    offered = exists().where(TaskCandidate.task_id == Task.id, TaskCandidate.group_id.in_(actor.groups),
                             in_scope(TaskCandidate, actor))
    query = select(Task).where(in_scope(Task, actor),
                               or_(Task.assignee == actor.username, Task.assignee.is_(None) & offered))
    for name, column in (("processInstanceId", Task.process_instance_id), ("processDefinitionKey", Task.definition_key),
                         ("taskDefinitionKey", Task.activity_id)):
        if params.get(name):
            query = query.where(column == params[name])
    if village_path:
        query = query.where(Task.org_path.like(village_path + "%"))
    due = Task.due.desc() if latest_first else Task.due.asc()
    # a higher camunda:priority first (the 急难 path's tasks), then by due date
    return query.order_by(Task.priority.desc(), Task.due.is_(None), due, Task.created, Task.id)


def inbox_steps(actor: Actor) -> Any:
    """Distinct (process, step id, step name) among the tasks of the actor's inbox, for its filter."""
    visible = inbox_query(actor, {}).order_by(None).subquery()
    return select(visible.c.definition_key, visible.c.activity_id, visible.c.name).distinct().order_by(
        visible.c.definition_key, visible.c.activity_id)


def villages_in(actor: Actor) -> Any:
    return select(OrgUnit).where(OrgUnit.level == "village", OrgUnit.path.like(actor.scope.like_pattern)).order_by(
        OrgUnit.path)


def case_events(instance: ProcessInstance) -> Any:
    """A case's events in order (bounded by its start: on PostgreSQL, only the partitions from then on are read, by
    a plan made once for every case: app/store/db.py)."""
    return select(CaseEvent).where(CaseEvent.process_instance_id == instance.id,
                                   CaseEvent.at >= earliest_row_of(instance.started_at)).order_by(
        CaseEvent.seq).execution_options(**GENERIC_PLAN)


def open_tasks_of(instance_id: str) -> Any:
    return select(Task).where(Task.process_instance_id == instance_id).order_by(Task.created, Task.id)


def latest_forms() -> Any:
    """The newest version of every deployed form (their labels name case variables on pages)."""
    other = aliased(FormDefinition)
    newest = select(func.max(other.version)).where(other.key == FormDefinition.key).scalar_subquery()
    return select(FormDefinition).where(FormDefinition.version == newest).order_by(FormDefinition.key)


def definition_xml(definition_id: str) -> Any:
    """The BPMN file a process definition was deployed from."""
    return select(Resource.content).join(ProcessDefinition, (Resource.deployment_id == ProcessDefinition.deployment_id)
                                         & (Resource.name == ProcessDefinition.resource_name)).where(
        ProcessDefinition.id == definition_id)
