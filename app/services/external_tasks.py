"""Camunda external tasks: workers fetch and lock by topic (long polling), then complete or report failure."""

import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.engine.activities import activities_from_json
from app.store.incident_log import open_incident, resolve_incidents
from app.store.queries import with_case
from app.store.tables import ExternalTask, Incident, ProcessDefinition, ProcessInstance
from app.store.tenancy import in_scope

from .case_commands import run_command
from .case_data import WORKER_PAYLOAD, CaseView, open_case
from .commands import Typed
from .definitions import cached_definition
from .inputs import refuse_reserved
from .registry import (
    EXTERNAL_BPMN_ERROR,
    EXTERNAL_COMPLETE,
    EXTERNAL_FAILURE,
    EXTERNAL_RETRIES,
    BpmnErrorInputs,
    FailureInputs,
    Issued,
    RetriesInputs,
    WorkerInputs,
)
from .runtime import Runtime
from .typed import keep_typed
from .wakeup import Wakeup, wakeup_of

MAX_ASYNC_RESPONSE_MS = 1_800_000  # Camunda's limit on asyncResponseTimeout (30 minutes)


@dataclass(frozen=True)
class TopicRequest:
    """One topic of a fetchAndLock request, with the filters Camunda defines for it."""

    name: str
    lock_duration_ms: int
    variables: tuple[str, ...] | None = None  # the variables the worker asks for; None: all its topic declares
    business_key: str | None = None
    definition_ids: tuple[str, ...] | None = None
    definition_keys: tuple[str, ...] | None = None
    version_tag: str | None = None  # definitions here have no version tag: a tag matches none
    tenant_ids: tuple[str, ...] | None = None  # the counties whose tasks it takes
    process_variables: dict | None = None  # the case must hold each of these values
    extension_properties: bool = False
    without_tenant: bool = False  # only tasks of no county (there are none: every case is a county's)


@dataclass(frozen=True)
class FetchRequest:
    worker_id: str
    max_tasks: int
    topics: tuple[TopicRequest, ...]
    use_priority: bool = True
    created_order: str | None = None  # "asc" / "desc": Camunda's sorting by createTime
    async_response_ms: int = 0


@dataclass(frozen=True)
class Locked:
    task: ExternalTask
    view: CaseView  # the variables the worker may see, masked for its role, the read logged
    types: dict
    extension_properties: dict


def _available(moment):
    return (or_(ExternalTask.lock_expiration.is_(None), ExternalTask.lock_expiration < moment),
            or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0), ExternalTask.suspended.is_(False))


def _topic_condition(topic: TopicRequest):
    conditions = [ExternalTask.topic == topic.name]
    if topic.business_key is not None:
        conditions.append(ExternalTask.business_key == topic.business_key)
    if topic.definition_ids is not None:
        conditions.append(ExternalTask.definition_id.in_(topic.definition_ids))
    if topic.definition_keys is not None:
        conditions.append(ExternalTask.definition_key.in_(topic.definition_keys))
    if topic.tenant_ids is not None:  # given with without_tenant, it wins: Camunda's REST API sets it later
        conditions.append(ExternalTask.tenant_id.in_(topic.tenant_ids))
    elif topic.without_tenant:
        conditions.append(ExternalTask.tenant_id.is_(None))
    if topic.version_tag is not None:
        conditions.append(ExternalTask.id.is_(None))
    return conditions


def _holds(values: dict, wanted: dict | None) -> bool:
    return all(name in values and values[name] == value for name, value in (wanted or {}).items())


def _lock(rt: Runtime, actor: Actor, request: FetchRequest) -> list[Locked]:
    """Lock up to `max_tasks` available tasks of the requested topics; those whose case lacks a topic's
    `processVariables` are left for other workers. Each comes with the variables its service task declares
    (extension property `variables`), or those of them the worker asks for, masked for the worker's role."""
    moment = clock.now()
    order = [ExternalTask.priority.desc()] if request.use_priority else []
    if request.created_order:
        order.append(ExternalTask.created.desc() if request.created_order == "desc" else ExternalTask.created.asc())
    with rt.unit_of_work() as uow:
        _refuse_undeclared(uow.session, request.topics)
        locked: list[Locked] = []
        for topic in request.topics:
            if len(locked) >= request.max_tasks:
                break
            query = (select(ExternalTask, ProcessInstance)
                     .join(ProcessInstance, ProcessInstance.id == ExternalTask.process_instance_id)
                     .where(*_available(moment), *_topic_condition(topic),
                            in_scope(ExternalTask, actor))
                     .order_by(*order, ExternalTask.created, ExternalTask.id)
                     .with_for_update(skip_locked=True, of=ExternalTask))
            for task, case in uow.session.execute(query):
                if len(locked) >= request.max_tasks:
                    break
                if not _holds(case.variables or {}, topic.process_variables):
                    continue
                task.worker_id = request.worker_id
                task.lock_expiration = moment + timedelta(milliseconds=topic.lock_duration_ms)
                locked.append(_result(uow.session, actor, task, case, topic))
        uow.commit()
        return locked


def _result(session: Session, actor: Actor, task: ExternalTask, case: ProcessInstance, topic: TopicRequest) -> Locked:
    view = open_case(session, actor, case, WORKER_PAYLOAD, names=_payload(session, task, topic.variables))
    activity = cached_definition(session, task.definition_id).activity(task.activity_id)
    properties = dict(activity.properties or {}) if topic.extension_properties else {}
    types = {k: v for k, v in (case.variable_types or {}).items() if k in view.variables}
    return Locked(task, view, types, properties)


def fetch_and_lock(rt: Runtime, actor: Actor, request: FetchRequest) -> list[Locked]:
    """Lock tasks for the worker; with `async_response_ms`, wait that long for one to become available.

    The wait holds no database connection: it parks on the process's wakeup (a commit that opens,
    unlocks or re-tries a task, here or in another process) and on the end of the earliest lock
    of these topics, then tries again.
    """
    actor.require("external_task.work")
    deadline = time.monotonic() + min(request.async_response_ms, MAX_ASYNC_RESPONSE_MS) / 1000
    wakeup = wakeup_of(rt) if request.async_response_ms else None
    while True:
        seen = wakeup.version() if wakeup else 0
        locked = _lock(rt, actor, request)
        left = deadline - time.monotonic()
        if locked or wakeup is None or left <= 0:
            return locked
        wakeup.wait(seen, min(left, _until_a_lock_ends(rt, request)))


def _until_a_lock_ends(rt: Runtime, request: FetchRequest) -> float:
    """Seconds until the earliest lock (or retry timeout) of the requested topics runs out."""
    moment = clock.now()
    with rt.reading() as uow:
        earliest = uow.session.scalar(select(func.min(ExternalTask.lock_expiration)).where(
            ExternalTask.topic.in_([t.name for t in request.topics]), ExternalTask.lock_expiration >= moment))
    return float("inf") if earliest is None else max(0.05, (earliest - moment).total_seconds())


def _payload(session: Session, task: ExternalTask, asked: tuple[str, ...] | None) -> set[str]:
    declared = set(cached_definition(session, task.definition_id).activity(task.activity_id).variables or ())
    return declared if asked is None else declared & set(asked)


_declared: dict[str, dict[str, frozenset[str]]] = {}  # definition id -> topic -> the variables it declares


def _refuse_undeclared(session: Session, topics: tuple[TopicRequest, ...]) -> None:
    """A worker may ask only for variables some service task of its topic declares."""
    if all(t.variables is None for t in topics):
        return
    for definition_id, activities in session.execute(select(ProcessDefinition.id, ProcessDefinition.activities)
                                                     .where(ProcessDefinition.id.not_in(list(_declared)))):
        found: dict[str, set[str]] = {}
        for info in activities_from_json(activities).values():
            if info.topic:
                found.setdefault(info.topic, set()).update(info.variables or ())
        _declared[definition_id] = {topic: frozenset(names) for topic, names in found.items()}
    for index, topic in enumerate(topics):
        declared = set().union(*(by_topic.get(topic.name, ()) for by_topic in _declared.values()))
        undeclared = [name for name in topic.variables or () if name not in declared]
        if undeclared:
            raise ValidationFailed(f"主题 {topic.name} 未声明变量 {'、'.join(undeclared)}（流程图中为该主题声明的变量："
                                   f"{'、'.join(sorted(declared)) or '无'}）", field=f"topics[{index}].variables")


def _locked_task(session, actor: Actor, task_id: str, worker_id: str) -> tuple[ExternalTask, ProcessInstance]:
    """The task `worker_id` holds the lock of, and its case, in one query."""
    task, instance = _visible(session, actor, task_id)
    if task.worker_id != worker_id or task.lock_expiration is None or task.lock_expiration < clock.now():
        raise ValidationFailed(f"外部任务 {task_id} 未被工作者 {worker_id} 锁定", field="workerId")
    return task, instance


def _visible(session, actor: Actor, task_id: str) -> tuple[ExternalTask, ProcessInstance]:
    task, instance = with_case(session, ExternalTask, task_id)
    if task is None or not actor.scope.covers(task.org_path):
        raise NotFound(f"外部任务 {task_id} 不存在", field="id")
    return task, instance


def complete_external_task(rt: Runtime, actor: Actor, task_id: str, worker_id: str, variables: dict,
                           local: dict | None = None, typed: Typed | None = None) -> None:
    """Complete a locked external task with the worker's result variables.

    `local` variables live in the task's own scope, which ends with it: with no output mapping to
    carry them on (none is served), Camunda keeps them only in history; so does the case's event.
    """
    actor.require("external_task.work")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = _locked_task(uow.session, actor, task_id, worker_id)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        inputs = WorkerInputs(task.id, worker_id, variables, local or None)
        run_command(rt, uow.session, instance, Issued(EXTERNAL_COMPLETE, inputs, actor, moment, task.activity_id))
        keep_typed(uow.session, instance, typed)
        uow.commit()


def report_bpmn_error(rt: Runtime, actor: Actor, task_id: str, worker_id: str, code: str, message: str | None,
                      variables: dict, typed: Typed | None = None) -> None:
    """Route the case along the error boundary event that catches the worker's error code."""
    actor.require("external_task.work")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = _locked_task(uow.session, actor, task_id, worker_id)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        inputs = BpmnErrorInputs(task.id, code, worker_id, message, variables)
        run_command(rt, uow.session, instance, Issued(EXTERNAL_BPMN_ERROR, inputs, actor, moment, task.activity_id))
        keep_typed(uow.session, instance, typed)
        uow.commit()


def _raise_incident(session: Session, task: ExternalTask, message: str | None, moment) -> None:
    open_incident(session, Incident(id=task.id, process_instance_id=task.process_instance_id,
                                    definition_id=task.definition_id, activity_id=task.activity_id,
                                    failed_activity_id=task.activity_id, type="failedExternalTask",
                                    message=message or "", org_path=task.org_path, created=moment))


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
            _raise_incident(uow.session, task, message, moment)
        else:
            Wakeup.mark(uow.session)  # waiters everywhere count again to the end of its (shorter) retry timeout
        uow.commit()


def change_lock(rt: Runtime, actor: Actor, task_id: str, worker_id: str | None, duration_ms: int | None) -> None:
    """Extend a lock (duration given) or release it (duration None)."""
    actor.require("external_task.work")
    with rt.unit_of_work() as uow:
        if duration_ms is None:
            task, _ = _visible(uow.session, actor, task_id)
            task.worker_id, task.lock_expiration = None, None
            Wakeup.mark(uow.session)
        else:
            task, _ = _locked_task(uow.session, actor, task_id, worker_id)
            task.lock_expiration = clock.now() + timedelta(milliseconds=duration_ms)
        uow.commit()


def lock_task(rt: Runtime, actor: Actor, task_id: str, worker_id: str, duration_ms: int) -> None:
    """Lock one task for a worker (Camunda POST /external-task/{id}/lock): refused while another holds it."""
    actor.require("external_task.work")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, _ = _visible(uow.session, actor, task_id)
        held = task.lock_expiration is not None and task.lock_expiration >= moment
        if held and task.worker_id != worker_id:
            raise ValidationFailed(f"外部任务 {task_id} 已被工作者 {task.worker_id} 锁定", field="workerId")
        task.worker_id, task.lock_expiration = worker_id, moment + timedelta(milliseconds=duration_ms)
        uow.commit()


def set_retries(rt: Runtime, actor: Actor, task_ids: list[str], retries: int) -> None:
    """Give tasks new retries (PUT /external-task/{id}/retries): above 0 resolves the task's incident."""
    actor.require("external_task.operate")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        for task_id in task_ids:
            task, instance = _visible(uow.session, actor, task_id)
            before, task.retries = task.retries, retries
            run_command(rt, uow.session, instance, Issued(EXTERNAL_RETRIES, RetriesInputs(task.id, retries), actor,
                                                          moment, task.activity_id))
            incident = uow.session.get(Incident, task.id)
            if retries > 0 and incident is not None:
                resolve_incidents(uow.session, Incident.id == task.id, moment)
            elif retries == 0 and before != 0 and incident is None:
                _raise_incident(uow.session, task, task.error_message, moment)
        Wakeup.mark(uow.session)
        uow.commit()


def set_priority(rt: Runtime, actor: Actor, task_id: str, priority: int) -> None:
    actor.require("external_task.operate")
    with rt.unit_of_work() as uow:
        task, _ = _visible(uow.session, actor, task_id)
        task.priority = priority
        uow.commit()


def external_task(rt: Runtime, actor: Actor, task_id: str) -> ExternalTask:
    """One external task in the actor's scope (workers and those who read cases)."""
    if not (actor.may("external_task.work") or actor.may("case.read")):
        actor.require("case.read")
    with rt.reading() as uow:
        return _visible(uow.session, actor, task_id)[0]


def topic_names(rt: Runtime, actor: Actor, with_locked: bool, with_unlocked: bool, with_retries: bool) -> list[str]:
    """The topics of the external tasks in scope (Camunda GET /external-task/topic-names)."""
    if not (actor.may("external_task.work") or actor.may("case.read")):
        actor.require("case.read")
    moment = clock.now()
    query = select(ExternalTask.topic).where(in_scope(ExternalTask, actor)).distinct()
    locked = ExternalTask.lock_expiration >= moment
    for flag, condition in ((with_locked, locked), (with_unlocked, or_(ExternalTask.lock_expiration.is_(None),
                                                                         ExternalTask.lock_expiration < moment)),
                            (with_retries, or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0))):
        if flag:
            query = query.where(condition)
    with rt.reading() as uow:
        return sorted(uow.session.scalars(query))

