"""Recompute open deadlines when the calendar changes: task due dates and deadline timer jobs alike.

Loading a year recomputes every provisional deadline; adding or removing a local closure
recomputes the deadlines of cases under that org unit that fall on or after the day.
Each deadline is evaluated again from its expression at the moment it was first set, with
the case's current data (and a task's own input parameters, which is all a called process's
task keeps of its data), so a deadline that did not depend on the changed days stays put.
Deadlines therefore belong in the dueDate/timer expression itself, written from case facts
(`${add_workdays(accepted_at, overall_limit)}`), not in a date a script computed once.
A timer fires only through its job (app/engine/timers.py), so moving `job.due` moves the timer.

The change writes what it owes (`deadline_recompute`) in its own transaction: the recompute is
then worked off in batches of BATCH rows, each a short transaction that moves the row's cursor
with the deadlines it moved, by the request for up to INLINE_SECONDS and by every process's
scheduler after that (rows taken FOR UPDATE SKIP LOCKED), until no affected row is left. A
process killed, a batch that failed or timed out, leaves the rest to the next poll.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import DomainError, NotFound
from app.engine.activities import ActivityInfo
from app.engine.expressions import ExpressionError, evaluate_time
from app.engine.functions import FunctionContext, to_datetime
from app.engine.timer_dates import timer_date
from app.store.tables import DeadlineRecompute, HistoryActivity, Job, ProcessInstance, Task

from .definitions import cached_definition
from .runtime import Runtime

log = logging.getLogger(__name__)
BATCH = 100  # tasks or timers recomputed in one transaction: its row locks are held for some tens of ms
INLINE_SECONDS = 5.0  # how long the request that changed the calendar works off its recompute before answering


@dataclass(frozen=True)
class Affected:
    """Which open deadlines to recompute: the provisional ones, or those of an org unit from a moment on."""

    provisional: bool = False
    org_path: str | None = None
    since: datetime | None = None

    def task_filter(self):
        if self.provisional:
            return Task.due_provisional.is_(True)
        return Task.org_path.like(self.org_path + "%") & (Task.due >= self.since)

    def job_filter(self):
        condition = Job.exception_message.is_(None)  # a failing job keeps its retry time
        if self.provisional:
            return condition & Job.due_provisional.is_(True)
        return condition & Job.org_path.like(self.org_path + "%") & (Job.due >= self.since)


@dataclass(frozen=True)
class Progress:
    """Where a recompute stands: how many deadlines it was owed when the calendar changed and how many it did."""

    id: int
    affected_tasks: int
    affected_jobs: int
    tasks: int
    jobs: int
    finished: bool

    @staticmethod
    def of(row: DeadlineRecompute) -> "Progress":
        return Progress(row.id, row.affected_tasks, row.affected_jobs, row.tasks, row.jobs, row.finished_at is not None)


def owe_recompute(session: Session, affected: Affected, cause: str, actor: str) -> DeadlineRecompute:
    """In the calendar change's transaction: record the recompute it owes (and how many rows it will look at)."""
    row = DeadlineRecompute(
        provisional=affected.provisional, org_path=affected.org_path, since=affected.since, cause=cause,
        created=clock.now(), created_by=actor, tasks=0, jobs=0, tasks_done=False,
        affected_tasks=session.scalar(select(func.count()).select_from(Task).where(affected.task_filter())) or 0,
        affected_jobs=session.scalar(select(func.count()).select_from(Job).where(affected.job_filter())) or 0)
    session.add(row)
    session.flush()
    return row


def work_off(rt: Runtime, owed: Progress, budget_seconds: float = INLINE_SECONDS) -> Progress:
    """Work off the recompute `owed` (as its change committed it), batch after batch, for up to `budget_seconds`;
    return where it stands. A failed batch, or the recompute being worked by another process, stops it here: the
    change stands and the scheduler goes on, so neither is the answer's concern."""
    progress, began = owed, time.monotonic()
    while not progress.finished and time.monotonic() - began < budget_seconds:
        try:
            done = recompute_batch(rt, owed.id)
        except DomainError as err:  # a lock or statement timeout, the database away
            log.warning("recompute %s: a batch failed, the scheduler goes on: %s", owed.id, err.message)
            break
        except Exception:
            log.exception("recompute %s: a batch failed, the scheduler goes on", owed.id)
            break
        if done is None:  # another process is working it
            break
        progress = done
    return progress


def work_off_all(rt: Runtime, budget_seconds: float) -> int:
    """The scheduler's poll: work off the open recomputes no other process is working, oldest first (one whose last
    batch failed after the others), for up to `budget_seconds`; return how many batches ran. A failed batch is
    recorded on its row, logged, and tried again next poll."""
    batches, began = 0, time.monotonic()
    while time.monotonic() - began < budget_seconds:
        try:
            progress = recompute_batch(rt)
        except Exception:
            log.exception("a deadline recompute batch failed; the next poll tries again")
            break
        if progress is None:
            break
        batches += 1
        time.sleep(0)  # let the requests of this process run between batches
    return batches


def recompute_progress_visible(rt: Runtime, actor: Actor, recompute_id: int) -> Progress:
    """Where a recompute stands, for whoever may change the calendar of its unit (a loaded year's: any of them)."""
    actor.require("deployment.create")
    with rt.reading() as uow:
        row = uow.session.get(DeadlineRecompute, recompute_id)
        if row is None or (row.org_path is not None and not actor.scope.covers(row.org_path)):
            raise NotFound(f"日期重算 {recompute_id} 不存在", field="id")
        return Progress.of(row)


def recompute_batch(rt: Runtime, recompute_id: int | None = None) -> Progress | None:
    """Recompute the next BATCH deadlines of an open recompute (the given one, or the oldest) in one transaction;
    None when there is none open that no other process is working on."""
    taken = None
    try:
        with rt.unit_of_work() as uow:
            session = uow.session
            query = select(DeadlineRecompute).where(DeadlineRecompute.finished_at.is_(None))
            if recompute_id is not None:
                query = query.where(DeadlineRecompute.id == recompute_id)
            row = session.scalars(query.order_by(DeadlineRecompute.last_error.is_not(None), DeadlineRecompute.id)
                                  .limit(1).with_for_update(skip_locked=True)).first()
            if row is None:
                return None
            taken, affected = row.id, Affected(row.provisional, row.org_path, row.since)
            if not row.tasks_done:
                done, last = _recompute_tasks(rt, session, affected, row.task_after)
                row.tasks += done
                row.task_after, row.tasks_done = last or row.task_after, last is None
            else:
                done, last = _recompute_jobs(rt, session, affected, row.job_after)
                row.jobs += done
                row.job_after = last or row.job_after
                if last is None:
                    row.finished_at = clock.now()
            row.last_error = None
            progress = Progress.of(row)
            uow.commit()
        return progress
    except Exception as err:
        if taken is not None:
            _record_failure(rt, taken, err)
        raise


def _recompute_tasks(rt: Runtime, session: Session, affected: Affected, after: str | None) -> tuple[int, str | None]:
    """Recompute the next BATCH affected tasks after `after` (id order); return how many, and the last id (None when
    none was left)."""
    query = (select(Task, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Task.process_instance_id)
             .where(affected.task_filter()))
    found = session.execute((query.where(Task.id > after) if after else query).order_by(Task.id).limit(BATCH)).all()
    done = 0
    for task, instance in found:
        context = FunctionContext(task.created, rt.calendar_for(task.org_path, session))
        expression = _activity(session, task).due_date
        names = {**(instance.variables or {}), **(task.local_variables or {})}
        due = _evaluated(evaluate_time, expression, names, context) if expression else None
        if due is not None:
            session.execute(update(Task).where(Task.id == task.id).values(due=due, due_provisional=context.provisional))
            session.execute(update(HistoryActivity).where(HistoryActivity.id == task.id).values(due=due))
            done += 1
    return done, found[-1][0].id if found else None


def _recompute_jobs(rt: Runtime, session: Session, affected: Affected, after: str | None) -> tuple[int, str | None]:
    query = (select(Job, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Job.process_instance_id)
             .where(affected.job_filter()))
    found = session.execute((query.where(Job.id > after) if after else query).order_by(Job.id).limit(BATCH)).all()
    done = 0
    for job, instance in found:
        context = FunctionContext(job.created, rt.calendar_for(job.org_path, session))
        activity = _activity(session, job)
        names = {**(instance.variables or {}), **_attached_locals(session, job, activity.attached_to)}
        due = _evaluated(timer_date, activity, names, context)
        if due is not None:
            session.execute(update(Job).where(Job.id == job.id).values(due=due, due_provisional=context.provisional))
            done += 1
    return done, found[-1][0].id if found else None


def _record_failure(rt: Runtime, recompute_id: int, err: Exception) -> None:
    """Note why a batch failed on its recompute (for the operators; it is tried again next poll)."""
    message = (err.message if isinstance(err, DomainError) else f"{type(err).__name__}: {err}")[:2000]
    try:
        with rt.unit_of_work() as uow:
            uow.session.execute(update(DeadlineRecompute).where(DeadlineRecompute.id == recompute_id,
                                                                DeadlineRecompute.finished_at.is_(None))
                                .values(last_error=message))
            uow.commit()
    except Exception:  # the database itself is away: the batch's own failure is what is logged
        log.debug("could not note the failure of recompute %s", recompute_id, exc_info=True)


def _activity(session, row: Task | Job) -> ActivityInfo:
    """Return what is known of a row's activity: in the case's process, or a process it calls (a referral's)."""
    return cached_definition(session, row.definition_id).activity(row.activity_id)


def _attached_locals(session, job: Job, attached_to: str | None) -> dict:
    """Return the input parameters of the task a boundary timer waits on, opened in the same step as the timer.

    Several such tasks (a multi-instance call) with different inputs cannot be told apart: then none.
    """
    if not attached_to:
        return {}
    found = session.scalars(select(Task.local_variables).where(
        Task.process_instance_id == job.process_instance_id, Task.activity_id == attached_to,
        Task.created == job.created)).all()
    distinct = {repr(sorted((v or {}).items())) for v in found}
    return (found[0] or {}) if len(distinct) == 1 else {}


def _evaluated(evaluate, source, names: dict, context: FunctionContext) -> datetime | None:
    try:
        value = evaluate(source, names, context)
    except ExpressionError:
        return None
    return None if value is None else to_datetime(value)
