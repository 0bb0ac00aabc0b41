"""Reads of case data for the API and the pages, each through the one door (app/services/case_data.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.actors import Actor
from app.store.tables import ProcessInstance, Task

from .case_data import PROCESS_VARIABLES, CaseView, Purpose, case_in_scope, open_case
from .cases import visible_task_and_case
from .definitions import cached_form
from .runtime import Runtime


def case_variables(rt: Runtime, actor: Actor, case_id: str) -> CaseView:
    """Return a case's variables as the actor may see them (Camunda GET /process-instance/{id}/variables)."""
    actor.require("case.read")
    with rt.unit_of_work() as uow:
        view = open_case(uow.session, actor, case_in_scope(uow.session, actor, case_id), PROCESS_VARIABLES)
        uow.commit()
        return view


@dataclass(frozen=True)
class TaskData:
    """An open task, its case, its form and what the reader may see of the case beside it."""

    task: Task
    instance: ProcessInstance
    schema: dict
    view: CaseView


def task_data(rt: Runtime, actor: Actor, task_id: str, purpose: Purpose) -> TaskData:
    """Return a task with its form and the case data it shows: the task's own variables, over the case's
    for roles that read cases (a department answering a referral sees only the task's)."""
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        schema = (cached_form(uow.session, task.form_key) if task.form_key else None) or {"components": []}
        view = open_case(uow.session, actor, instance, purpose, task.local_variables or {})
        uow.commit()
        uow.session.expunge_all()
        return TaskData(task, instance, schema, view)


def command_result(rt: Runtime, actor: Actor, case_id: str, purpose: Purpose,
                   own: Mapping[str, Any]) -> CaseView:
    """Return a case right after a command the actor gave (start, message) as the actor may see it:
    the case's variables for roles that read cases, else only what the command carried."""
    with rt.unit_of_work() as uow:
        view = open_case(uow.session, actor, case_in_scope(uow.session, actor, case_id), purpose, own)
        uow.commit()
        return view
