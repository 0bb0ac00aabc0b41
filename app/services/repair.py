"""Repair a case an incident stopped: an operator changes its data, then retries the failed job.

This is Camunda's way out of a failed job (POST /process-instance/{id}/variables, then
PUT /job/{id}/retries); the change is a command like any other, logged with who made it and replayed
like the others. A repair fixes the cause, never the outcome: it may not change a county setting or an amount.
"""

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import ValidationFailed

from .case_commands import run_command
from .case_data import case_in_scope
from .commands import Typed
from .inputs import refuse_repair_of
from .registry import VARIABLES, Issued, VariablesInputs
from .runtime import Runtime
from .typed import keep_typed


def modify_variables(rt: Runtime, actor: Actor, instance_id: str, variables: dict, typed: Typed = Typed(),
                     deletions: tuple[str, ...] = ()) -> None:
    """Set (then delete) variables on every open branch of a running case (POST /process-instance/{id}/variables).

    As in Camunda, a variable both modified and deleted ends deleted.
    """
    actor.require("case.repair")
    if not variables and not deletions:
        raise ValidationFailed("须给出要修改或删除的变量", field="modifications")
    refuse_repair_of({**variables, **dict.fromkeys(deletions)})
    moment = clock.now()
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        inputs = VariablesInputs(variables, list(deletions) or None)
        run_command(rt, uow.session, instance, Issued(VARIABLES, inputs, actor, moment))
        keep_typed(uow.session, instance, Typed({**typed.types, **dict.fromkeys(deletions)}, typed.contents))
        uow.commit()
