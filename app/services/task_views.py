"""Reads of tasks for the engine API: a task's form, its identity links, the count of tasks per candidate group."""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.runtime_lists import TASKS
from app.store.tables import TaskCandidate

from .cases import visible_task
from .definitions import cached_form
from .runtime import Runtime


@dataclass(frozen=True)
class TaskForm:
    form_id: str | None  # the deployed Camunda Form the task is bound to (`key:version:deployment`)
    schema: dict | None


def task_form(rt: Runtime, actor: Actor, task_id: str) -> TaskForm:
    with rt.reading() as uow:
        task = visible_task(uow.session, actor, task_id)
        return TaskForm(task.form_key, cached_form(uow.session, task.form_key) if task.form_key else None)


def identity_links(rt: Runtime, actor: Actor, task_id: str) -> list[tuple[str | None, str | None, str]]:
    """(userId, groupId, type): the assignee, and a `candidate` link per candidate group."""
    with rt.reading() as uow:
        task = visible_task(uow.session, actor, task_id)
    links = [(task.assignee, None, "assignee")] if task.assignee else []
    return links + [(None, group, "candidate") for group in task.candidate_groups]


def candidate_group_counts(rt: Runtime, actor: Actor) -> list[tuple[str | None, int]]:
    """How many of the tasks the actor may see are offered to each candidate group (None: to none)."""
    visible = TASKS.base(actor).subquery()
    offered = (select(TaskCandidate.group_id, func.count()).join(visible, visible.c.id == TaskCandidate.task_id)
               .group_by(TaskCandidate.group_id).order_by(TaskCandidate.group_id))
    none = select(func.count()).select_from(visible).where(
        ~select(TaskCandidate.task_id).where(TaskCandidate.task_id == visible.c.id).exists())
    with rt.reading() as uow:
        counts = [(group, count) for group, count in uow.session.execute(offered)]
        without = uow.session.scalar(none)
    return ([(None, without)] if without else []) + counts


def require_form(form: TaskForm) -> dict:
    if form.schema is None:
        raise NotFound("任务没有已部署的表单", field="formKey")
    return form.schema

