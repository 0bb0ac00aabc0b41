"""Camunda external tasks: workers fetch and lock by topic, then complete or report failure."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.store.queries import with_case
from app.store.tables import ExternalTask, Incident, ProcessDefinition, ProcessInstance

from .case_commands import run_command
from .case_data import WORKER_PAYLOAD, CaseView, open_case
from .definitions import cached_definition
from .inputs import refuse_reserved
from .registry import (
    EXTERNAL_BPMN_ERROR,
    EXTERNAL_COMPLETE,
    EXTERNAL_FAILURE,
    BpmnErrorInputs,
    FailureInputs,
    Issued,
    WorkerInputs,
)
from .runtime import Runtime


@dataclass(frozen=True)
class TopicRequest:
    name: str
    lock_duration_ms: int
    variables: tuple[str, ...] | None = None  # the variables the worker asks for; None: all its topic declares


def fetch_and_lock(rt: Runtime, actor: Actor, worker_id: str, max_tasks: int,
                   topics: list[TopicRequest]) -> list[tuple[ExternalTask, CaseView]]:
    """Lock up to `max_tasks` unlocked tasks of the given topics for `worker_id`; each comes with the variables
    its service task declares (extension property `variables`), or those of them the worker asks for,
    masked for the worker's role, and each read logged."""
    actor.require("external_task.work")
    moment = clock.now()
    durations = {t.name: t.lock_duration_ms for t in topics}
    asked = {t.name: t.variables for t in topics}
    with rt.unit_of_work() as uow:
        _refuse_undeclared(uow.session, topics)
        query = (select(ExternalTask)
                 .where(ExternalTask.topic.in_(durations), ExternalTask.org_path.like(actor.scope.like_pattern),
                        or_(ExternalTask.lock_expiration.is_(None), ExternalTask.lock_expiration < moment),
                        or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0))
                 .order_by(ExternalTask.priority.desc(), ExternalTask.created).limit(max_tasks)
                 .with_for_update(skip_locked=True))
        tasks = list(uow.session.scalars(query))
        for task in tasks:
            task.worker_id = worker_id
            task.lock_expiration = moment + timedelta(milliseconds=durations[task.topic])
        cases = {case.id: case for case in uow.session.scalars(
            select(ProcessInstance).where(ProcessInstance.id.in_({t.process_instance_id for t in tasks})))}
        locked = [(t, open_case(uow.session, actor, cases[t.process_instance_id], WORKER_PAYLOAD,
                                names=_payload(uow.session, t, asked[t.topic]))) for t in tasks]
        uow.commit()
        return locked


def _payload(session: Session, task: ExternalTask, asked: tuple[str, ...] | None) -> set[str]:
    declared = set(cached_definition(session, task.definition_id).activity(task.activity_id).get("variables") or ())
    return declared if asked is None else declared & set(asked)


_declared: dict[str, dict[str, frozenset[str]]] = {}  # definition id -> topic -> the variables it declares


def _refuse_undeclared(session: Session, topics: list[TopicRequest]) -> None:
    """A worker may ask only for variables some service task of its topic declares."""
    if all(t.variables is None for t in topics):
        return
    for definition_id, activities in session.execute(select(ProcessDefinition.id, ProcessDefinition.activities)
                                                     .where(ProcessDefinition.id.not_in(list(_declared)))):
        found: dict[str, set[str]] = {}
        for info in activities.values():
            if info.get("topic"):
                found.setdefault(info["topic"], set()).update(info.get("variables") or ())
        _declared[definition_id] = {topic: frozenset(names) for topic, names in found.items()}
    for index, topic in enumerate(topics):
        declared = set().union(*(by_topic.get(topic.name, ()) for by_topic in _declared.values()))
        undeclared = [name for name in topic.variables or () if name not in declared]
        if undeclared:
            raise ValidationFailed(f"主题 {topic.name} 未声明变量 {'、'.join(undeclared)}（流程图中为该主题声明的变量："
                                   f"{'、'.join(sorted(declared)) or '无'}）", field=f"topics[{index}].variables")


def _locked_task(session, actor: Actor, task_id: str, worker_id: str) -> tuple[ExternalTask, ProcessInstance]:
    """The task `worker_id` holds the lock of, and its case, in one query."""
    task, instance = with_case(session, ExternalTask, task_id)
    if task is None or not actor.scope.covers(task.org_path):
        raise NotFound(f"外部任务 {task_id} 不存在", field="id")
    if task.worker_id != worker_id or task.lock_expiration is None or task.lock_expiration < clock.now():
        raise ValidationFailed(f"外部任务 {task_id} 未被工作者 {worker_id} 锁定", field="workerId")
    return task, instance


def complete_external_task(rt: Runtime, actor: Actor, task_id: str, worker_id: str, variables: dict) -> None:
    """Complete a locked external task with the worker's result variables."""
    actor.require("external_task.work")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = _locked_task(uow.session, actor, task_id, worker_id)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        run_command(rt, uow.session, instance, Issued(EXTERNAL_COMPLETE, WorkerInputs(task.id, worker_id, variables),
                                                      actor, moment, task.activity_id))
        uow.commit()


def report_bpmn_error(rt: Runtime, actor: Actor, task_id: str, worker_id: str, code: str, message: str | None,
                      variables: dict) -> None:
    """Route the case along the error boundary event that catches the worker's error code."""
    actor.require("external_task.work")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = _locked_task(uow.session, actor, task_id, worker_id)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        inputs = BpmnErrorInputs(task.id, code, worker_id, message, variables)
        run_command(rt, uow.session, instance, Issued(EXTERNAL_BPMN_ERROR, inputs, actor, moment, task.activity_id))
        uow.commit()


def report_failure(rt: Runtime, actor: Actor, task_id: str, worker_id: str, message: str | None,
                   details: str | None, retries: int, retry_timeout_ms: int) -> None:
    """Record a worker's failure; with no retries left the task becomes an incident."""
    actor.require("external_task.work")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = _locked_task(uow.session, actor, task_id, worker_id)
        task.retries, task.error_message, task.error_details = retries, message, details
        task.lock_expiration = moment + timedelta(milliseconds=retry_timeout_ms)
        inputs = FailureInputs(task.id, worker_id, message, details, retries, retry_timeout_ms)
        run_command(rt, uow.session, instance, Issued(EXTERNAL_FAILURE, inputs, actor, moment, task.activity_id))
        if retries == 0:
            uow.session.add(Incident(id=task.id, process_instance_id=task.process_instance_id,
                                     definition_id=task.definition_id, activity_id=task.activity_id,
                                     type="failedExternalTask", message=message or "", org_path=task.org_path,
                                     created=moment))
        uow.commit()


def change_lock(rt: Runtime, actor: Actor, task_id: str, worker_id: str | None, duration_ms: int | None) -> None:
    """Extend a lock (duration given) or release it (duration None)."""
    actor.require("external_task.work")
    with rt.unit_of_work() as uow:
        if duration_ms is None:
            task = uow.session.get(ExternalTask, task_id)
            if task is None or not actor.scope.covers(task.org_path):
                raise NotFound(f"外部任务 {task_id} 不存在", field="id")
            task.worker_id, task.lock_expiration = None, None
        else:
            task, _ = _locked_task(uow.session, actor, task_id, worker_id)
            task.lock_expiration = clock.now() + timedelta(milliseconds=duration_ms)
        uow.commit()
