"""Lists the API and the pages show: tasks, cases, history, timers, incidents, definitions — queries on the
tables kept for reading, each in a read-only unit of work, scoped to the actor. No case variables pass here:
those leave only through the door (app/services/case_data.py)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.queries import (
    activity_query,
    definition_query,
    incident_query,
    instance_query,
    job_query,
    task_query,
    visible_instance,
)
from app.store.tables import CalendarYear, HistoryActivity, ProcessInstance, Resource, Task

from .cases import visible_task
from .definitions import latest_definition
from .runtime import Runtime

# what a task list reads: a page of 50 is read and shaped in a fraction of the time ORM objects take
TASK_COLUMNS = tuple(Task.__table__.c[name] for name in (
    "id", "name", "assignee", "created", "due", "follow_up", "priority", "definition_id", "process_instance_id",
    "activity_id", "form_key", "candidate_groups", "due_provisional", "business_key"))


@dataclass(frozen=True)
class Window:
    """Camunda's paging: skip `first`, then at most `size` rows (all when None)."""

    first: int = 0
    size: int | None = None

    @classmethod
    def of(cls, params: dict) -> "Window":
        return cls(params.get("firstResult") or 0, params.get("maxResults"))

    def apply(self, query: Select) -> Select:
        query = query.offset(self.first)
        return query.limit(self.size) if self.size is not None else query


def _rows(rt: Runtime, query: Select, window: Window = Window()) -> list[Any]:
    with rt.reading() as uow:
        return list(uow.session.scalars(window.apply(query)))


def _count(rt: Runtime, query: Select) -> int:
    with rt.reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def tasks(rt: Runtime, actor: Actor, params: dict) -> Sequence[Any]:
    """Tasks the actor may see (Camunda GET /task), as rows of TASK_COLUMNS."""
    with rt.reading() as uow:
        query = Window.of(params).apply(task_query(actor, params)).with_only_columns(*TASK_COLUMNS)
        return uow.session.execute(query).all()


def task_count(rt: Runtime, actor: Actor, params: dict) -> int:
    return _count(rt, task_query(actor, params))


def task(rt: Runtime, actor: Actor, task_id: str) -> Task:
    with rt.reading() as uow:
        return visible_task(uow.session, actor, task_id)


def cases(rt: Runtime, actor: Actor, params: dict, permission: str = "case.read") -> list[ProcessInstance]:
    actor.require(permission)
    return _rows(rt, instance_query(actor, params), Window.of(params))


def case(rt: Runtime, actor: Actor, case_id: str, permission: str = "case.read") -> ProcessInstance:
    """Return a case in the actor's scope, or NotFound (other scopes are not revealed)."""
    actor.require(permission)
    with rt.reading() as uow:
        found = visible_instance(uow.session, actor, case_id)
    if found is None:
        raise NotFound(f"案件 {case_id} 不存在", field="id")
    return found


def waiting_in(rt: Runtime, actor: Actor, case_id: str) -> tuple[ProcessInstance, list[HistoryActivity]]:
    """Return a case and the activities it waits in."""
    instance = case(rt, actor, case_id)
    return instance, _rows(rt, select(HistoryActivity).where(HistoryActivity.process_instance_id == instance.id,
                                                             HistoryActivity.end_time.is_(None)))


def activities(rt: Runtime, actor: Actor, params: dict, user_tasks_only: bool = False) -> list[HistoryActivity]:
    actor.require("history.read")
    return _rows(rt, activity_query(actor, params, user_tasks_only), Window.of(params))


def jobs(rt: Runtime, actor: Actor, params: dict) -> list[Any]:
    actor.require("case.read")
    return _rows(rt, job_query(actor, params), Window.of(params))


def incidents(rt: Runtime, actor: Actor, params: dict) -> list[Any]:
    actor.require("case.read")
    return _rows(rt, incident_query(actor, params), Window.of(params))


def definitions(rt: Runtime, actor: Actor, params: dict) -> list[Any]:
    actor.require("definition.read")
    return _rows(rt, definition_query(params), Window.of(params))


def latest(rt: Runtime, actor: Actor, key: str, with_xml: bool = False) -> tuple[Any, bytes | None]:
    """Return the latest definition of `key`, and the BPMN file it was deployed from when asked."""
    actor.require("definition.read")
    with rt.reading() as uow:
        row = latest_definition(uow.session, key)
        xml = uow.session.scalar(select(Resource.content).where(Resource.deployment_id == row.deployment_id,
                                                                Resource.name == row.resource_name)) \
            if with_xml else None
        return row, xml


def calendar_year(rt: Runtime, actor: Actor, year: int) -> CalendarYear:
    """Return a year loaded into the calendar (next year's official notice)."""
    actor.require("case.read")
    with rt.reading() as uow:
        row = uow.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if row is None:
        raise NotFound(f"{year} 年的日历未加载（由 chinesecalendar 提供的年份无需加载）", field="year")
    return row
