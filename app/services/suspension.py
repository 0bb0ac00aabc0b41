"""Suspend and activate cases (each a case event) and process definitions (no new case starts while suspended).

A suspended case's tasks, jobs and external tasks are suspended with it: no one completes or claims its
tasks, no timer of it fires, no worker locks its external tasks and no message reaches it, until it is
activated again (Camunda's suspension).
"""

from dataclasses import dataclass

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.orgs import tenant_of
from app.store.listing import visible_tenant
from app.store.tables import ExternalTask, Job, ProcessDefinition, ProcessInstance, Task
from app.store.tenancy import in_scope
from app.store.writes import Writes

from .called_instances import root_of
from .case_commands import run_command
from .case_data import case_in_scope
from .registry import SUSPENSION, Issued, SuspensionInputs
from .runtime import Runtime
from .wakeup import Wakeup


@dataclass(frozen=True)
class DefinitionSuspension:
    """Which definitions (one id, or every version of a key), to which state, and whether their cases follow."""

    suspended: bool
    definition_id: str | None = None
    key: str | None = None
    include_instances: bool = False
    tenant_id: str | None = None  # with a key: only that county's own versions of it


def _suspend(rt: Runtime, session: Session, actor: Actor, instance: ProcessInstance, suspended: bool) -> None:
    root_of(session, instance, SUSPENSION.name, SUSPENSION.label)  # a called instance is suspended with its case
    if instance.state != "ACTIVE" or bool(instance.suspended) == suspended:
        return  # Camunda: suspending a suspended case (or activating an active one) changes nothing
    run_command(rt, session, instance, Issued(SUSPENSION, SuspensionInputs(suspended), actor, clock.now()))
    with Writes(session) as writes:
        writes.set_case(ProcessInstance.__table__, instance.id, {"suspended": suspended})
    set_committed_value(instance, "suspended", suspended)
    called = select(ProcessInstance.id).where(ProcessInstance.root_process_instance_id == instance.id)
    session.execute(update(ProcessInstance).where(ProcessInstance.id.in_(called)).values(suspended=suspended))
    for table in (Task, Job, ExternalTask):
        session.execute(update(table).where(table.process_instance_id.in_(called.union(select(
            literal(instance.id))))).values(suspended=suspended))
    if not suspended:
        Wakeup.mark(session)  # its external tasks may be locked again


def suspend_case(rt: Runtime, actor: Actor, instance_id: str, suspended: bool) -> None:
    """Suspend (or activate) one case (Camunda PUT /process-instance/{id}/suspended)."""
    actor.require("case.suspend")
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        if instance.state != "ACTIVE":
            raise ValidationFailed(f"案件 {instance_id} 已结束，不能挂起或激活", field="id")
        _suspend(rt, uow.session, actor, instance, suspended)
        uow.commit()


def suspend_cases(rt: Runtime, actor: Actor, suspended: bool, instance_ids: list[str] | None = None,
                  definition_id: str | None = None, key: str | None = None) -> int:
    """Suspend (or activate) the running cases in scope named, or those of a definition or of every version
    of a key, in one transaction; return how many changed."""
    actor.require("case.suspend")
    query = select(ProcessInstance).where(ProcessInstance.state == "ACTIVE",
                                          in_scope(ProcessInstance, actor))
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    if definition_id is not None:
        query = query.where(ProcessInstance.definition_id == definition_id)
    if key is not None:
        query = query.where(ProcessInstance.definition_key == key)
    with rt.unit_of_work() as uow:
        cases = [c for c in uow.session.scalars(query.order_by(ProcessInstance.started_at, ProcessInstance.id))
                 if bool(c.suspended) != suspended]
        for instance in cases:
            _suspend(rt, uow.session, actor, instance, suspended)
        uow.commit()
        return len(cases)


def suspend_definitions(rt: Runtime, actor: Actor, change: DefinitionSuspension) -> None:
    """Suspend (or activate) a definition, or every version of a key; with `include_instances`, their cases too."""
    actor.require("deployment.create")
    query = select(ProcessDefinition)
    query = query.where(ProcessDefinition.id == change.definition_id) if change.definition_id \
        else query.where(ProcessDefinition.key == change.key)
    if change.tenant_id is not None and not change.definition_id:
        query = query.where(ProcessDefinition.tenant_id == change.tenant_id)
    own = tenant_of(actor.org_path)
    if own is not None:  # a county's designer changes the county's own versions; the shared ones are the province's
        query = query.where(visible_tenant(actor, ProcessDefinition.tenant_id))
    with rt.unit_of_work() as uow:
        rows = [row for row in uow.session.scalars(query) if change.definition_id or own in (None, row.tenant_id)]
        if own is not None and any(row.tenant_id != own for row in rows):
            raise Forbidden(f"流程定义 {change.definition_id} 是省级共享的，县级设计员不能挂起或激活", field="id")
        if not rows:
            field = "id" if change.definition_id else "tenant-id" if change.tenant_id else "key"
            raise NotFound(f"没有流程定义 {change.definition_id or change.key}", field=field)
        for row in rows:
            row.suspended = change.suspended
        uow.commit()
    if change.include_instances:
        for row in rows:
            suspend_cases(rt, actor, change.suspended, definition_id=row.id)
