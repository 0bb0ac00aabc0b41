"""Recompute open deadlines when the calendar changes: task due dates and deadline timer jobs alike.

Loading a year recomputes every provisional deadline; adding or removing a local closure
recomputes the deadlines of cases under that org unit that fall on or after the day.
Each deadline is evaluated again from its expression at the moment it was first set, with
the case's current data (and a task's own input parameters, which is all a called process's
task keeps of its data), so a deadline that did not depend on the changed days stays put.
Deadlines therefore belong in the dueDate/timer expression itself, written from case facts
(`${add_workdays(accepted_at, overall_limit)}`), not in a date a script computed once.
A timer fires only through its job (app/engine/timers.py), so moving `job.due` moves the timer.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.engine.activities import ActivityInfo
from app.engine.expressions import ExpressionError, evaluate_time
from app.engine.functions import FunctionContext, to_datetime
from app.engine.timer_dates import timer_date
from app.store.tables import HistoryActivity, Job, ProcessInstance, Task

from .definitions import cached_definition
from .runtime import Runtime


@dataclass
class Recomputed:
    tasks: int = 0
    jobs: int = 0


@dataclass(frozen=True)
class Affected:
    """Which open deadlines to recompute: the provisional ones, or those of an org unit from a moment on."""

    provisional: bool = False
    org_path: str | None = None
    since: datetime | None = None

    def tasks(self):
        query = select(Task, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Task.process_instance_id)
        if self.provisional:
            return query.where(Task.due_provisional.is_(True))
        return query.where(Task.org_path.like(self.org_path + "%"), Task.due >= self.since)

    def jobs(self):
        query = (select(Job, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Job.process_instance_id)
                 .where(Job.exception_message.is_(None)))  # a failing job keeps its retry time
        if self.provisional:
            return query.where(Job.due_provisional.is_(True))
        return query.where(Job.org_path.like(self.org_path + "%"), Job.due >= self.since)


def recompute_deadlines(rt: Runtime, affected: Affected) -> Recomputed:
    """Re-evaluate the affected task due dates and timer jobs with the current calendar."""
    result = Recomputed()
    with rt.unit_of_work() as uow:
        session = uow.session
        for task, instance in session.execute(affected.tasks()).all():
            context = FunctionContext(task.created, rt.calendar_for(task.org_path))
            expression = _activity(session, task).due_date
            names = {**(instance.variables or {}), **(task.local_variables or {})}
            due = _evaluated(evaluate_time, expression, names, context) if expression else None
            if due is not None:
                task.due, task.due_provisional = due, context.provisional
                session.execute(update(HistoryActivity).where(HistoryActivity.id == task.id).values(due=due))
                result.tasks += 1
        for job, instance in session.execute(affected.jobs()).all():
            context = FunctionContext(job.created, rt.calendar_for(job.org_path))
            activity = _activity(session, job)
            names = {**(instance.variables or {}), **_attached_locals(session, job, activity.attached_to)}
            due = _evaluated(timer_date, activity, names, context)
            if due is not None:
                job.due, job.due_provisional = due, context.provisional
                result.jobs += 1
        uow.commit()
    return result


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
