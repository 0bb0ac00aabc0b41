"""Fire due timers: found by the index on `job.due`, a batch to a transaction.

On PostgreSQL the due rows are taken with FOR UPDATE SKIP LOCKED, so any number of
service processes can run the scheduler; the case's optimistic version stops a
timer and a user completing a task from both changing the case. A batch shares one
commit; if any of its timers fails or loses a race, the batch is rolled back and its
timers are fired one to a transaction, so one failure never holds back the others: a
timer that fails, from its workflow or from a defect, spends a retry with backoff and
becomes an incident after its last.
"""

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import SYSTEM, Actor
from app.domain.errors import Conflict, DomainError, EngineFailure, NotFound
from app.store.incident_log import open_incident, resolve_incidents
from app.store.job_log import log_failure
from app.store.queries import job_query, with_case
from app.store.tables import Incident, Job, ProcessInstance

from .case_commands import run_command
from .case_data import scrubbed
from .commands import FireJob
from .registry import JOB_DUE, TIMER, Issued, JobInputs
from .runtime import Runtime
from .supervision import record_escalation

log = logging.getLogger(__name__)
RETRY_BACKOFF = timedelta(seconds=30)
# the database itself is unreachable: no job is to blame, so none spends a retry; the poll stops and tries next time
_DATABASE_DOWN = (OperationalError, InterfaceError)


def fire_job(rt: Runtime, cmd: FireJob) -> None:
    """Fire one timer now, whatever its due time (operations and tests)."""
    cmd.actor.require("job.operate")
    with rt.unit_of_work() as uow:
        job, _ = with_case(uow.session, Job, cmd.job_id)  # the case waits in the session for _fire
        if job is None or not cmd.actor.scope.covers(job.org_path):
            raise NotFound(f"作业 {cmd.job_id} 不存在", field="id")
        _fire(rt, uow.session, job, cmd.actor, clock.now())
        uow.commit()


def _fire(rt: Runtime, session: Session, job: Job, actor: Actor, moment: datetime) -> None:
    instance = session.get(ProcessInstance, job.process_instance_id)
    if job.exception_message is not None:  # a retry by hand that succeeds resolves the incident
        resolve_incidents(session, Incident.job_id == job.id, moment)
    changes = run_command(rt, session, instance, Issued(TIMER, JobInputs(job.id, _iso(job.due)), actor, moment,
                                                        job.activity_id))
    if changes.escalated:
        record_escalation(session, instance, changes.escalated, moment, changes.late_task)


BATCH = 10  # timers fired in one transaction: one commit for them all, row locks held for a few tens of ms


def fire_due_jobs(rt: Runtime, limit: int = 100) -> int:
    """Fire up to `limit` due jobs, oldest first; return how many fired."""
    return catch_up(rt, budget_seconds=float("inf"), limit=limit)


def catch_up(rt: Runtime, budget_seconds: float, limit: int = 5000, idle: Callable[[], bool] = lambda: False,
             idle_seconds: float = 0.0) -> int:
    """Fire due jobs oldest first for `budget_seconds` of this poll (and at most `limit` jobs).

    After downtime thousands of jobs may be overdue: they drain over several polls instead of
    in one burst, and the interpreter is yielded after every batch, so the process keeps
    answering user requests, wholly for the rest of each poll interval. While `idle()` says
    no request is waiting on this process, firing goes on up to `idle_seconds`.
    """
    fired, began = 0, time.monotonic()
    while fired < limit:
        outcome = _fire_batch(rt, min(BATCH, limit - fired))
        if outcome is None:
            break
        fired += outcome
        spent = time.monotonic() - began
        if spent >= budget_seconds and (spent >= idle_seconds or not idle()):
            break
        time.sleep(0)
    return fired


def _due(moment: datetime, size: int):
    return (select(Job).where(Job.due <= moment, Job.retries > 0, Job.suspended.is_(False)).order_by(Job.due)
            .limit(size).with_for_update(skip_locked=True))


def _fire_batch(rt: Runtime, size: int) -> int | None:
    """Fire up to `size` due jobs in one transaction; None when none is due."""
    if size > 1:
        moment = clock.now()
        try:
            with rt.unit_of_work() as uow:
                jobs = uow.session.scalars(_due(moment, size)).all()
                if not jobs:
                    return None
                # their cases in one query: each job's case is then found in the session, not fetched alone
                cases = {job.process_instance_id for job in jobs}
                uow.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(cases))).all()
                for job in jobs:
                    _fire(rt, uow.session, job, SYSTEM, moment)
                uow.commit()
                return len(jobs)
        except _DATABASE_DOWN:
            raise
        except Exception:  # one failed or lost a race: none of the batch was stored
            pass
    fired = 0
    for _ in range(size):
        outcome = _fire_next(rt)
        if outcome is None:
            return fired or None
        fired += outcome
    return fired


def _fire_next(rt: Runtime) -> int | None:
    """Fire the oldest due job; None when none is due, 0 when it lost a race or failed."""
    moment = clock.now()
    try:
        with rt.unit_of_work() as uow:
            job = uow.session.scalars(_due(moment, 1)).first()
            if job is None:
                return None
            job_id = job.id
            try:
                _fire(rt, uow.session, job, SYSTEM, moment)
                uow.commit()
                return 1
            except Conflict:
                raise
            except DomainError as err:  # the workflow's own failure (an expression, a refused value): its message
                failure = stacktrace = err.message
                # the element the engine failed in (a script task after the timer), Camunda's failedActivityId
                failed_in = err.element if isinstance(err, EngineFailure) else None
            except _DATABASE_DOWN:
                raise
            except Exception as err:  # a defect met by this one job: it fails on its own, the others still fire
                failure = f"内部错误 {type(err).__name__}: {err}"
                stacktrace, failed_in = traceback.format_exc(), None
    except Conflict:
        return 0  # a user changed the case at the same moment; the job is still due and fires next poll
    _record_failure(rt, job_id, failure, stacktrace, failed_in)
    return 0


def _record_failure(rt: Runtime, job_id: str, message: str, stacktrace: str | None = None,
                    failed_in: str | None = None) -> None:
    """Spend one of the job's retries, and log the failure (Camunda's failure log, with its stack trace) with the
    activity it happened `failed_in` (not known: the job's own)."""
    moment = clock.now()
    with rt.unit_of_work() as uow:
        job = uow.session.get(Job, job_id)
        if job is None:
            return
        # a defect's message and stack may quote a case value (an exception's text, a local in a frame): the log,
        # the job, the incident and the stack trace served over REST keep them masked, as a workflow failure's are
        variables = uow.session.scalar(select(ProcessInstance.variables).where(
            ProcessInstance.id == job.process_instance_id)) or {}
        message = scrubbed(uow.session, job.definition_id, message, variables)
        stacktrace = stacktrace and scrubbed(uow.session, job.definition_id, stacktrace, variables)
        job.failed_activity_id = failed_in or job.activity_id
        entry = log_failure(uow.session, job, message, stacktrace, moment)
        job.retries -= 1
        job.exception_message = message
        job.due = moment + RETRY_BACKOFF * (2 ** max(0, 2 - job.retries))
        if job.retries == 0:
            open_incident(uow.session, Incident(
                id=job.id, process_instance_id=job.process_instance_id, definition_id=job.definition_id,
                activity_id=job.activity_id, failed_activity_id=job.failed_activity_id, job_id=job.id, type="failedJob",
                message=message, org_path=job.org_path, created=moment), history_configuration=entry)
        uow.commit()
    if stacktrace in (None, message):
        log.warning("job %s failed: %s", job_id, message)
    else:  # a defect: its (masked) stack for the operators
        log.error("job %s failed unexpectedly: %s\n%s", job_id, message, stacktrace)


def set_job_due(rt: Runtime, actor: Actor, job_id: str, due: datetime | None, reason: str | None = None) -> None:
    """Move a timer's due time (Camunda PUT /job/{id}/duedate), with the reason the case log keeps."""
    actor.require("job.operate")
    with rt.unit_of_work() as uow:
        job, instance = with_case(uow.session, Job, job_id)
        if job is None or not actor.scope.covers(job.org_path):
            raise NotFound(f"作业 {job_id} 不存在", field="id")
        job.due = due
        run_command(rt, uow.session, instance, Issued(JOB_DUE, JobInputs(job.id, _iso(due), reason), actor, clock.now(),
                                                      job.activity_id))
        uow.commit()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def set_job_retries(rt: Runtime, actor: Actor, job_id: str, retries: int, due: datetime | None = None) -> None:
    """Give a failed job new tries (Camunda PUT /job/{id}/retries): its incident is resolved, it runs next poll
    (or at `due`)."""
    actor.require("job.operate")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        job = uow.session.get(Job, job_id)
        if job is None or not actor.scope.covers(job.org_path):
            raise NotFound(f"作业 {job_id} 不存在", field="id")
        job.retries = retries
        if retries > 0:
            resolve_incidents(uow.session, Incident.job_id == job.id, moment)
            job.due = min(job.due, moment) if job.due is not None else moment
        if due is not None:
            job.due = due
        uow.commit()


@dataclass(frozen=True)
class WaitingTimer:
    job_id: str
    case_id: str
    business_key: str | None
    process: str
    activity_id: str
    due: datetime | None
    provisional: bool
    definition_id: str | None = None  # the version the case runs on, which names the timer


@dataclass(frozen=True)
class WaitingTimers:
    """One page of waiting timers and how many wait in all (the page shows at most `limit`)."""

    timers: list[WaitingTimer]
    total: int


def waiting_timers(rt: Runtime, actor: Actor, process: str | None = None, search: str | None = None,
                   limit: int = 200) -> WaitingTimers:
    """The timers waiting in my scope (a process's, or all; a business key's when searched), soonest first, with
    their cases' business keys."""
    actor.require("supervision.read")
    query = job_query(actor, {}).where(Job.type == "timer", Job.exception_message.is_(None))
    if process:
        query = query.where(Job.definition_key == process)
    if search:
        query = query.where(Job.process_instance_id.in_(
            select(ProcessInstance.id).where(ProcessInstance.business_key.contains(search, autoescape=True))))
    with rt.reading() as uow:
        jobs = list(uow.session.scalars(query.limit(limit)))
        total = uow.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        keys = dict(uow.session.execute(select(ProcessInstance.id, ProcessInstance.business_key).where(
            ProcessInstance.id.in_({j.process_instance_id for j in jobs}))).tuples().all())
        return WaitingTimers([WaitingTimer(j.id, j.process_instance_id, keys.get(j.process_instance_id),
                                           j.definition_key, j.activity_id, j.due, j.due_provisional,
                                           j.definition_id) for j in jobs],
                             total or 0)
