"""Identity links of a task (Camunda's POST /task/{id}/identity-links and …/delete): the assignee, as a claim
or an assignment, and candidate groups, which a supervisor adds to or takes from an open task — each change
an event of the case's log, the inbox following at once."""

from sqlalchemy import delete, insert, update

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import ValidationFailed
from app.domain.roles import ROLE_NAMES
from app.store.tables import HistoryActivity, Task, TaskCandidate

from .case_commands import run_command
from .cases import claim_task, visible_task_and_case
from .commands import ClaimTask
from .registry import CANDIDATES, CandidateInputs, Issued
from .runtime import Runtime


def _check(user_id: str | None, group_id: str | None, kind: str | None) -> None:
    if kind not in ("assignee", "candidate"):
        raise ValidationFailed(f"不支持的身份链接类型 {kind}（只支持 assignee 与 candidate）", field="type")
    if (user_id is None) == (group_id is None):
        raise ValidationFailed("须且只能给出 userId 或 groupId 之一", field="groupId" if user_id else "userId")
    if kind == "assignee" and user_id is None:
        raise ValidationFailed("assignee 链接须给出 userId", field="userId")
    if kind == "candidate" and user_id is not None:
        raise ValidationFailed("候选用户不受支持：任务只提供给候选组", field="userId")


def _candidates(rt: Runtime, actor: Actor, task_id: str, group_id: str, added: bool) -> None:
    actor.require("supervision.act")
    if group_id not in ROLE_NAMES:
        raise ValidationFailed(f"组 {group_id} 不存在", field="groupId")
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        groups = list(task.candidate_groups or [])
        if (group_id in groups) == added:
            return  # already so: nothing changes, nothing is logged
        groups = [*groups, group_id] if added else [g for g in groups if g != group_id]
        uow.session.execute(update(Task).where(Task.id == task.id).values(candidate_groups=groups))
        uow.session.execute(update(HistoryActivity).where(HistoryActivity.id == task.id)
                            .values(candidate_groups=groups))
        if added:
            uow.session.execute(insert(TaskCandidate).values(task_id=task.id, group_id=group_id,
                                                             org_path=task.org_path))
        else:
            uow.session.execute(delete(TaskCandidate).where(TaskCandidate.task_id == task.id,
                                                            TaskCandidate.group_id == group_id))
        run_command(rt, uow.session, instance, Issued(CANDIDATES, CandidateInputs(task.id, group_id, added), actor,
                                                      clock.now(), task.activity_id))
        uow.commit()


def add_link(rt: Runtime, actor: Actor, task_id: str, user_id: str | None, group_id: str | None,
             kind: str | None) -> None:
    """Add an assignee (a claim or an assignment, as POST …/assignee) or a candidate group to an open task."""
    _check(user_id, group_id, kind)
    if kind == "assignee":
        claim_task(rt, ClaimTask(actor, task_id, user_id))
    else:
        _candidates(rt, actor, task_id, str(group_id), True)


def delete_link(rt: Runtime, actor: Actor, task_id: str, user_id: str | None, group_id: str | None,
                kind: str | None) -> None:
    """Take the assignee (giving the task back) or a candidate group from an open task."""
    _check(user_id, group_id, kind)
    if kind == "assignee":
        claim_task(rt, ClaimTask(actor, task_id, None))
    else:
        _candidates(rt, actor, task_id, str(group_id), False)
