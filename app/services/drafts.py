"""Drafts of task forms: what a worker typed and saved without completing the task (保存草稿)."""

from sqlalchemy import delete

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import Forbidden
from app.store.tables import TaskDraft

from .cases import visible_task
from .runtime import Runtime


def save_draft(rt: Runtime, actor: Actor, task_id: str, values: dict) -> None:
    """Keep the typed form values of a task the actor may work on; a later save replaces the earlier."""
    with rt.unit_of_work() as uow:
        task = visible_task(uow.session, actor, task_id)
        if not actor.may_work_on(task.org_path, task.candidate_groups, task.assignee):
            raise Forbidden("只能为自己可办理的任务保存草稿")
        draft = uow.session.get(TaskDraft, (task_id, actor.username))
        if draft is None:
            draft = TaskDraft(task_id=task_id, username=actor.username, process_instance_id=task.process_instance_id,
                              tenant_id=task.tenant_id)
            uow.session.add(draft)
        draft.values, draft.saved_at = dict(values), clock.now()
        uow.commit()


def load_draft(rt: Runtime, actor: Actor, task_id: str) -> TaskDraft | None:
    """Return the actor's saved draft of a task, if any."""
    with rt.reading() as uow:
        draft = uow.session.get(TaskDraft, (task_id, actor.username))
        if draft is not None:
            uow.session.expunge(draft)
        return draft


def discard_drafts(rt: Runtime, task_id: str) -> None:
    """Drop every draft of a task (it was completed)."""
    with rt.unit_of_work() as uow:
        uow.session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))
        uow.commit()
