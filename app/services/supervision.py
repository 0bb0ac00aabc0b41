"""Overdue and due-soon work for supervisors (防止"慢作为"): read from the task table only."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ, local
from app.domain.errors import ValidationFailed
from app.engine.functions import END_OF_DAY
from app.store.tables import OrgUnit, Task, TaskCandidate

from .runtime import Runtime

BUCKETS = (("1-3", 1, 3), ("4-10", 4, 10), (">10", 11, None))
DUE_SOON_WORKDAYS = 2


@dataclass
class LateTask:
    task: Task
    township: str
    workdays_overdue: int


def late_tasks(rt: Runtime, actor: Actor, params: dict) -> tuple[list[LateTask], dict[str, int]]:
    """Return overdue (or, with state=due_soon, nearly due) open tasks in scope, and aging buckets."""
    actor.require("supervision.read")
    now = clock.now()
    calendar = rt.calendar
    with rt.unit_of_work() as uow:
        query = select(Task).where(Task.org_path.like(actor.scope.like_pattern), Task.due.is_not(None))
        if params.get("state") == "due_soon":
            horizon = calendar.add_workdays(local(now).date(), DUE_SOON_WORKDAYS).day
            query = query.where(Task.due >= now, Task.due <= _end_of(horizon))
        else:
            query = query.where(Task.due < now)
        query = _filtered(uow.session, query, params)
        rows = list(uow.session.scalars(query.order_by(Task.due).limit(params.get("maxResults") or 1000)))
        townships = {u.path: u.name for u in uow.session.scalars(select(OrgUnit).where(OrgUnit.level == "township"))}
        today = local(now).date()
        items = [LateTask(t, _township(t.org_path, townships),
                          calendar.workdays_between(local(t.due).date(), today) if t.due < now else 0) for t in rows]
        uow.session.expunge_all()  # the rows are read after the unit of work closes
    items = [i for i in items if i.workdays_overdue >= (params.get("minDaysOverdue") or 0)]
    buckets = {name: sum(1 for i in items if i.workdays_overdue >= low and (high is None or i.workdays_overdue <= high))
               for name, low, high in BUCKETS}
    return items, buckets


def _end_of(day) -> datetime:
    return datetime.combine(day, END_OF_DAY, CHINA_TZ)


def _filtered(session, query, params: dict):
    if params.get("township"):
        path = session.scalar(select(OrgUnit.path).where(OrgUnit.code == params["township"]))
        if path is None:
            raise ValidationFailed(f"没有乡镇（街道）{params['township']}", field="township")
        query = query.where(Task.org_path.like(path + "%"))
    if params.get("activity"):
        query = query.where(Task.activity_id == params["activity"])
    if params.get("process"):
        query = query.where(Task.definition_key == params["process"])
    if params.get("group"):
        query = query.where(exists().where(TaskCandidate.task_id == Task.id,
                                           TaskCandidate.group_id == params["group"]))
    return query


def _township(org_path: str, townships: dict[str, str]) -> str:
    parts = org_path.strip("/").split("/")
    return townships.get("/" + "/".join(parts[:2]) + "/", "") if len(parts) >= 2 else ""

