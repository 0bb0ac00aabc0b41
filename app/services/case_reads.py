"""Reads of case data for the API and the pages, each through the one door (app/services/case_data.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.actors import Actor
from app.store.queries import instance_query
from app.store.tables import ProcessInstance, Task

from .case_data import HISTORY_VARIABLES, PROCESS_VARIABLES, CaseView, Purpose, case_in_scope, open_case
from .cases import visible_task_and_case
from .definitions import cached_form
from .runtime import Runtime

HISTORY_CASES = 1000  # the most cases one history read shows the variables of


def case_variables(rt: Runtime, actor: Actor, case_id: str) -> CaseView:
    """Return a case's variables as the actor may see them (Camunda GET /process-instance/{id}/variables)."""
    actor.require("case.read")
    with rt.unit_of_work() as uow:
        view = open_case(uow.session, actor, case_in_scope(uow.session, actor, case_id), PROCESS_VARIABLES)
        uow.commit()
        return view


@dataclass(frozen=True)
class CaseVariables:
    """One case's variables in a history read, with what Camunda's variable instances name."""

    case_id: str
    definition_id: str
    definition_key: str
    view: CaseView


def history_variables(rt: Runtime, actor: Actor, case_id: str | None) -> list[CaseVariables]:
    """Return the variables of the cases in scope (or of one), each read logged, oldest case first."""
    actor.require("history.read")
    query = instance_query(actor, {})
    if case_id:
        query = query.where(ProcessInstance.id == case_id)
    with rt.unit_of_work() as uow:
        found = [CaseVariables(row.id, row.definition_id, row.definition_key,
                               open_case(uow.session, actor, row, HISTORY_VARIABLES))
                 for row in uow.session.scalars(query.limit(HISTORY_CASES))]
        uow.commit()
        return found


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
