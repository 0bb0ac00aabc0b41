"""Reads of one case for the engine API: the case, the activities it waits in, one of its jobs or incidents."""

from dataclasses import dataclass

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.db import GENERIC_PLAN
from app.store.history_lists import delete_reason
from app.store.partitions import earliest_row_of
from app.store.tables import HistoryActivity, Incident, Job, ProcessDefinition, ProcessInstance

from .case_data import case_in_scope
from .runtime import Runtime
from .variable_reads import visible_case


@dataclass(frozen=True)
class ActivityTree:
    instance: ProcessInstance
    process_name: str | None
    waiting: list[HistoryActivity]
    incidents: list[Incident]


def running_case(rt: Runtime, actor: Actor, instance_id: str) -> ProcessInstance:
    """A running case the actor may read (Camunda's runtime API does not show finished ones)."""
    with rt.reading() as uow:
        row = visible_case(uow.session, actor, instance_id)
    if row.state != "ACTIVE":
        raise NotFound(f"案件 {instance_id} 已结束", field="id")
    return row


def started_case(rt: Runtime, actor: Actor, instance_id: str) -> ProcessInstance:
    """The case a start the actor sent created, running or ended, as it is now (to answer that start again)."""
    with rt.reading() as uow:
        return case_in_scope(uow.session, actor, instance_id)


def history_case(rt: Runtime, actor: Actor, instance_id: str) -> tuple[ProcessInstance, str | None, str | None]:
    """A case (running or finished) in the actor's scope, its process's name, and why it was cancelled."""
    actor.require("history.read")
    with rt.reading() as uow:
        row = visible_case(uow.session, actor, instance_id)
        name = uow.session.scalar(select(ProcessDefinition.name).where(ProcessDefinition.id == row.definition_id))
        return row, name, uow.session.scalar(delete_reason(row.id))


def activity_tree(rt: Runtime, actor: Actor, instance_id: str) -> ActivityTree:
    """The activities a running case waits in, and the incidents open on them."""
    with rt.reading() as uow:
        row = visible_case(uow.session, actor, instance_id)
        waiting = list(uow.session.scalars(select(HistoryActivity).where(
            HistoryActivity.process_instance_id == row.id, HistoryActivity.end_time.is_(None),
            HistoryActivity.start_time >= earliest_row_of(row.started_at),
            # a boundary event is no activity until it fires: Camunda keeps a waiting one as a job only
            HistoryActivity.activity_type.not_like("boundary%"))
            .order_by(HistoryActivity.start_time, HistoryActivity.id).execution_options(**GENERIC_PLAN)))
        incidents = list(uow.session.scalars(select(Incident).where(Incident.process_instance_id == row.id)))
        name = uow.session.scalar(select(ProcessDefinition.name).where(ProcessDefinition.id == row.definition_id))
    if row.state != "ACTIVE":
        raise NotFound(f"案件 {instance_id} 已结束", field="id")
    return ActivityTree(row, name, waiting, incidents)


_ROWS = {"job": (Job, "case.read", "作业"), "incident": (Incident, "case.read", "事件"),
         "history activity": (HistoryActivity, "history.read", "活动实例")}


def row_in_scope(rt: Runtime, actor: Actor, kind: str, row_id: str):
    """One job, incident or historic activity of a case in the actor's scope (NotFound otherwise)."""
    model, permission, label = _ROWS[kind]
    actor.require(permission)
    with rt.reading() as uow:  # by a comparison, which a malformed activity instance id fails (app/store/types.py)
        row = uow.session.scalar(select(model).where(model.id == row_id))
    if row is None or not actor.scope.covers(row.org_path):
        raise NotFound(f"{label} {row_id} 不存在", field="id")
    return row
