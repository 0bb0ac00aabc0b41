"""Repair a case an incident stopped: an operator changes its data, then retries the failed job.

This is Camunda's way out of a failed job (POST /process-instance/{id}/variables, then
PUT /job/{id}/retries); the change is a command like any other, logged with who made it and replayed
like the others. A repair fixes the cause, never the outcome: it may not change a county setting or an amount.
"""

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.store.queries import visible_instance

from .case_commands import run_command
from .inputs import refuse_repair_of
from .registry import VARIABLES, Issued, VariablesInputs
from .runtime import Runtime


def modify_variables(rt: Runtime, actor: Actor, instance_id: str, variables: dict) -> None:
    """Set variables on every open branch of a running case (Camunda POST /process-instance/{id}/variables)."""
    actor.require("case.repair")
    if not variables:
        raise ValidationFailed("须给出要修改的变量", field="modifications")
    refuse_repair_of(variables)
    moment = clock.now()
    with rt.unit_of_work() as uow:
        instance = visible_instance(uow.session, actor, instance_id)
        if instance is None:
            raise NotFound(f"案件 {instance_id} 不存在", field="id")
        run_command(rt, uow.session, instance, Issued(VARIABLES, VariablesInputs(variables), actor, moment))
        uow.commit()
