"""Comments on tasks (办理意见, Camunda's task comments): each one an event of the case's log, so it is
hash-chained with the case and never silently changed; read back from the log, with the personal values of
the case in them masked for readers who see the case masked."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.store.queries import case_events
from app.store.tables import CaseEvent, HistoryActivity, ProcessInstance

from .case_commands import run_command
from .case_data import COMMENTS, case_in_scope, open_case, scrubbed
from .cases import visible_task_and_case
from .registry import COMMENT, CommentInputs, Issued
from .runtime import Runtime

MAX_LENGTH = 4000


@dataclass(frozen=True)
class Comment:
    id: str
    user_id: str
    time: datetime
    task_id: str
    process_instance_id: str
    message: str


def add_comment(rt: Runtime, actor: Actor, task_id: str, message: str,
                process_instance_id: str | None = None) -> Comment:
    """Write a comment on an open task the actor may see (POST /task/{id}/comment/create)."""
    actor.require("task.comment")
    if not message or not message.strip():
        raise ValidationFailed("办理意见不能为空", field="message")
    if len(message) > MAX_LENGTH:
        raise ValidationFailed(f"办理意见不能超过 {MAX_LENGTH} 字", field="message")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        if process_instance_id not in (None, instance.id):
            raise ValidationFailed(f"任务 {task_id} 不属于案件 {process_instance_id}", field="processInstanceId")
        inputs = CommentInputs(str(uuid.uuid4()), task.id, message)
        run_command(rt, uow.session, instance, Issued(COMMENT, inputs, actor, moment, task.activity_id))
        uow.commit()
    return Comment(inputs.comment_id, actor.username, moment, task.id, instance.id, message)


def _comments(session, actor: Actor, instance: ProcessInstance, task_id: str | None) -> list[Comment]:
    view = open_case(session, actor, instance, COMMENTS)
    events = session.scalars(case_events(instance).where(CaseEvent.command == COMMENT.name))
    found = []
    for event in events:
        inputs = COMMENT.read(event.inputs)
        if task_id is None or inputs.task_id == task_id:
            text = scrubbed(session, instance.definition_id, inputs.message, instance.variables or {}) \
                if view.masked else inputs.message
            found.append(Comment(inputs.comment_id, event.actor, event.at, inputs.task_id, instance.id, text))
    return found


def task_comments(rt: Runtime, actor: Actor, task_id: str) -> list[Comment]:
    """The comments on a user task, open or done, oldest first (GET /task/{id}/comment); the read is logged."""
    with rt.unit_of_work() as uow:
        row = uow.session.scalar(select(HistoryActivity).where(HistoryActivity.id == task_id,
                                                               HistoryActivity.activity_type == "userTask"))
        if row is None or not actor.scope.covers(row.org_path):
            raise NotFound(f"任务 {task_id} 不存在", field="id")
        found = _comments(uow.session, actor, uow.session.get(ProcessInstance, row.process_instance_id), task_id)
        uow.commit()
    return found


def case_comments(rt: Runtime, actor: Actor, instance_id: str) -> list[Comment]:
    """Every comment on the case's tasks, oldest first (GET /process-instance/{id}/comment)."""
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        found = _comments(uow.session, actor, instance, None)
        uow.commit()
    return found
