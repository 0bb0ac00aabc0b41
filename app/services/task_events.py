"""BPMN errors and escalations reported by whoever works on a user task (Camunda's `POST /task/{id}/bpmnError`
and `/bpmnEscalation`): the case follows the boundary event on the task that catches the code."""

from app.domain import clock
from app.domain.actors import Actor

from .case_commands import run_command
from .cases import check_worker, visible_task_and_case
from .commands import Typed
from .definitions import cached_definition
from .inputs import refuse_reserved
from .registry import TASK_BPMN_ERROR, TASK_ESCALATION, BpmnErrorInputs, EscalationInputs, Issued
from .runtime import Runtime
from .typed import keep_typed


def report_task_error(rt: Runtime, actor: Actor, task_id: str, code: str, message: str | None, variables: dict,
                      typed: Typed | None = None) -> None:
    """Route the case along the error boundary event on the task that catches `code`."""
    _report(rt, actor, task_id, typed, lambda task: Issued(
        TASK_BPMN_ERROR, BpmnErrorInputs(task.id, code, None, message, variables), actor, clock.now(),
        task.activity_id), variables)


def report_task_escalation(rt: Runtime, actor: Actor, task_id: str, code: str, variables: dict,
                           typed: Typed | None = None) -> None:
    """Route the case along the escalation boundary event on the task that catches `code`."""
    _report(rt, actor, task_id, typed, lambda task: Issued(
        TASK_ESCALATION, EscalationInputs(task.id, code, variables), actor, clock.now(), task.activity_id), variables)


def _report(rt: Runtime, actor: Actor, task_id: str, typed: Typed | None, issued, variables: dict) -> None:
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        check_worker(actor, task, uow.session)
        refuse_reserved(cached_definition(uow.session, instance.definition_id), variables)
        run_command(rt, uow.session, instance, issued(task))
        keep_typed(uow.session, instance, typed)
        uow.commit()
