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
from app.store.tables import ExternalTask, Job, ProcessDefinition, ProcessInstance, Task
from app.store.tenancy import in_scope
from app.store.writes import Writes

from .called_instances import root_of
from .case_commands import run_command
from .case_data import case_in_scope
from .definitions import county_latest, latest_definition, visible_definition, visible_definitions
from .registry import SUSPENSION, Issued, SuspensionInputs
from .runtime import Runtime
from .wakeup import Wakeup


@dataclass(frozen=True)
class DefinitionSuspension:
    """Which definitions, to which state, and whether their cases follow: one by id; the latest version of a key
    (a county's own when `tenant_id` names it, else the one reading the key gives the actor); or, with
    `every_version`, every version of the key the actor sees. `field` is the parameter that named them."""

    suspended: bool
    definition_id: str | None = None
    key: str | None = None
    include_instances: bool = False
    tenant_id: str | None = None
    every_version: bool = False
    field: str = "id"


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
    with rt.unit_of_work() as uow:
        changed = _suspend_running(rt, uow.session, actor, suspended, instance_ids, definition_id, key)
        uow.commit()
        return changed


def _suspend_running(rt: Runtime, session: Session, actor: Actor, suspended: bool, instance_ids: list[str] | None,
                     definition_id: str | None, key: str | None) -> int:
    query = select(ProcessInstance).where(ProcessInstance.state == "ACTIVE",
                                          in_scope(ProcessInstance, actor))
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    if definition_id is not None:
        query = query.where(ProcessInstance.definition_id == definition_id)
    if key is not None:
        query = query.where(ProcessInstance.definition_key == key)
    cases = [c for c in session.scalars(query.order_by(ProcessInstance.started_at, ProcessInstance.id))
             if bool(c.suspended) != suspended]
    for instance in cases:
        _suspend(rt, session, actor, instance, suspended)
    return len(cases)


def _named(session: Session, actor: Actor, change: DefinitionSuspension) -> list[ProcessDefinition]:
    """The definitions `change` names, each one the actor may see (another county's is unknown)."""
    if change.definition_id:
        return [visible_definition(session, actor, change.definition_id, change.field)]
    key = str(change.key)
    if change.tenant_id is not None:
        return [county_latest(session, actor, key, change.tenant_id)]
    if not change.every_version:
        return [latest_definition(session, key, tenant_of(actor.org_path))]
    rows = list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                                visible_definitions(actor))))
    if not rows:
        raise NotFound(f"没有流程定义 key={key}", field=change.field)
    return rows


def suspend_definitions(rt: Runtime, actor: Actor, change: DefinitionSuspension) -> None:
    """Suspend (or activate) the definitions `change` names; with `include_instances`, their cases too, in the same
    transaction (one command, as Camunda's): a node that dies midway leaves all as it was. A county's designer
    changes the county's own versions only: the shared ones are the province's."""
    actor.require("deployment.create")
    if change.include_instances:
        actor.require("case.suspend")
    own = tenant_of(actor.org_path)
    with rt.unit_of_work() as uow:
        rows = _named(uow.session, actor, change)
        shared = next((row for row in rows if own is not None and row.tenant_id != own), None)
        if shared is not None:
            raise Forbidden(f"流程定义 {shared.id} 是省级共享的，县级设计员不能挂起或激活", field=change.field)
        for row in rows:
            row.suspended = change.suspended
        if change.include_instances:
            uow.session.flush()  # the definitions first, always in that order: two such commands cannot deadlock
            for row in rows:
                _suspend_running(rt, uow.session, actor, change.suspended, None, row.id, None)
        uow.commit()
