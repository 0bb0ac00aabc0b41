"""Overdue and due-soon work for supervisors (防止"慢作为"): read from the task table only."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ, local
from app.domain.errors import NotFound, ValidationFailed
from app.engine.activities import NONE
from app.engine.functions import END_OF_DAY
from app.store.tables import Escalation, OrgUnit, ProcessInstance, Task, TaskCandidate
from app.store.tenancy import in_scope

from .definitions import cached_definition
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
    with rt.reading() as uow:
        query = select(Task).where(in_scope(Task, actor), Task.due.is_not(None))
        if params.get("state") == "due_soon":
            horizon = calendar.add_workdays(local(now).date(), DUE_SOON_WORKDAYS).day
            query = query.where(Task.due >= now, Task.due <= _end_of(horizon))
        else:
            query = query.where(Task.due < now)
        query = _filtered(uow.session, query, params)
        rows = list(uow.session.scalars(query.order_by(Task.due).limit(params.get("maxResults") or 1000)))
        townships = {u.path: u.name for u in uow.session.scalars(select(OrgUnit).where(OrgUnit.level == "township"))}
        items = [LateTask(t, _township(t.org_path, townships), _workdays_overdue(rt, t, now)) for t in rows]
        uow.session.expunge_all()  # the rows are read after the unit of work closes
    items = [i for i in items if i.workdays_overdue >= (params.get("minDaysOverdue") or 0)]
    buckets = {name: sum(1 for i in items if i.workdays_overdue >= low and (high is None or i.workdays_overdue <= high))
               for name, low, high in BUCKETS}
    return items, buckets


def _workdays_overdue(rt: Runtime, task: Task, now: datetime) -> int:
    if task.due >= now:
        return 0
    return rt.calendar_for(task.org_path).workdays_between(local(task.due).date(), local(now).date())


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



def record_escalation(session, instance: ProcessInstance, timer_activity_id: str, moment: datetime,
                      late_task: tuple[str, str] | None = None) -> None:
    """Open an escalation for the activity (and task, when known) a non-interrupting deadline timer is attached to."""
    if late_task is not None:
        late, task_id = late_task
    else:
        late = cached_definition(session, instance.definition_id).activities.get(timer_activity_id, NONE).attached_to
        task_id = session.scalar(select(Task.id).where(Task.process_instance_id == instance.id,
                                                       Task.activity_id == late)) if late else None
    session.add(Escalation(process_instance_id=instance.id, business_key=instance.business_key,
                           definition_key=instance.definition_key, org_path=instance.org_path,
                           timer_activity_id=timer_activity_id, activity_id=late, task_id=task_id,
                           created=moment, state="OPEN"))


def list_escalations(rt: Runtime, actor: Actor, state: str | None) -> list[Escalation]:
    """Return escalations in the actor's scope, oldest first."""
    actor.require("supervision.read")
    with rt.reading() as uow:
        query = select(Escalation).where(in_scope(Escalation, actor))
        if state:
            query = query.where(Escalation.state == state)
        rows = list(uow.session.scalars(query.order_by(Escalation.created, Escalation.id).limit(1000)))
        uow.session.expunge_all()
        return rows


def case_versions(rt: Runtime, case_ids: set[str]) -> dict[str, str]:
    """The version (definition id) each of the cases runs on, to name its steps as that version does."""
    with rt.reading() as uow:
        return dict(uow.session.execute(select(ProcessInstance.id, ProcessInstance.definition_id).where(
            ProcessInstance.id.in_(case_ids))).tuples().all())


_NEXT_STATE = {"acknowledge": "ACKNOWLEDGED", "reassign": "ACKNOWLEDGED", "close": "CLOSED"}


def act_on_escalation(rt: Runtime, actor: Actor, escalation_id: int, action: str, comment: str | None,
                      assignee: str | None) -> None:
    """Acknowledge, reassign (name who follows it up) or close an escalation with a comment."""
    actor.require("supervision.act")
    if action not in _NEXT_STATE:
        raise ValidationFailed(f"未知操作 {action}", field="action")
    if action == "reassign" and not assignee:
        raise ValidationFailed("转交须指定跟进人", field="assignee")
    if action == "close" and not comment:
        raise ValidationFailed("关闭督办须填写处理意见", field="comment")
    with rt.unit_of_work() as uow:
        row = uow.session.get(Escalation, escalation_id)
        if row is None or not actor.scope.covers(row.org_path):
            raise NotFound(f"督办 {escalation_id} 不存在", field="id")
        if row.state == "CLOSED":
            raise ValidationFailed("督办已关闭", field="action")
        row.state, row.comment = _NEXT_STATE[action], comment or row.comment
        row.assignee = assignee or row.assignee
        row.updated, row.updated_by = clock.now(), actor.username
        uow.commit()
