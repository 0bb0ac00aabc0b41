"""Recompute open deadlines when the calendar changes: task due dates and deadline timer jobs alike.

Loading a year recomputes every provisional deadline; adding or removing a local closure
recomputes the deadlines of cases under that org unit that fall on or after the day.
Each deadline is evaluated again from its expression at the moment it was first set, with
the case's current data, so a deadline that did not depend on the changed days stays put.
A timer fires only through its job (app/engine/timers.py), so moving `job.due` moves the timer.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.engine.deadlines import timer_date
from app.engine.expressions import ExpressionError, evaluate_time
from app.engine.functions import FunctionContext, to_datetime
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
            expression = _activity(session, task).get("dueDate")
            due = _evaluated(evaluate_time, expression, instance, context) if expression else None
            if due is not None:
                task.due, task.due_provisional = due, context.provisional
                session.execute(update(HistoryActivity).where(HistoryActivity.id == task.id).values(due=due))
                result.tasks += 1
        for job, instance in session.execute(affected.jobs()).all():
            context = FunctionContext(job.created, rt.calendar_for(job.org_path))
            due = _evaluated(timer_date, _activity(session, job), instance, context)
            if due is not None:
                job.due, job.due_provisional = due, context.provisional
                result.jobs += 1
        uow.commit()
    return result


def _activity(session, row: Task | Job) -> dict:
    return cached_definition(session, row.definition_id).activities.get(row.activity_id, {})


def _evaluated(evaluate, source, instance: ProcessInstance, context: FunctionContext) -> datetime | None:
    try:
        value = evaluate(source, instance.variables or {}, context)
    except ExpressionError:
        return None
    return None if value is None else to_datetime(value)
