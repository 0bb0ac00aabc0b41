"""POST /signal: deliver a signal to every case in the sender's scope waiting for it (signal intermediate catch and
boundary events), each delivery one case event (registry SIGNAL) that replay re-runs."""

from sqlalchemy import select

from app.domain import clock
from app.domain.errors import ValidationFailed
from app.store.tables import EventSubscription, ProcessInstance
from app.store.tenancy import in_scope

from .case_commands import run_command
from .commands import DeliverSignal
from .definitions import cached_definition
from .inputs import refuse_reserved
from .registry import SIGNAL, Issued, SignalInputs
from .runtime import Runtime
from .typed import keep_typed


def _receivers(cmd: DeliverSignal):
    """The running, active cases in the sender's scope with a subscription to the signal, oldest first."""
    query = (select(ProcessInstance).where(ProcessInstance.id.in_(
        select(EventSubscription.process_instance_id).where(
            EventSubscription.event_type == "signal", EventSubscription.event_name == cmd.name,
            in_scope(EventSubscription, cmd.actor))),
        ProcessInstance.state == "ACTIVE").order_by(ProcessInstance.started_at, ProcessInstance.id))
    if cmd.execution_id is not None:
        query = query.where(ProcessInstance.id == cmd.execution_id)
    if cmd.tenant_id is not None:
        query = query.where(ProcessInstance.tenant_id == cmd.tenant_id)
    if cmd.execution_id is None:  # a broadcast passes suspended cases by, as Camunda's; one named must take it
        query = query.where(ProcessInstance.suspended.is_(False))
    return query


def deliver_signal(rt: Runtime, cmd: DeliverSignal) -> int:
    """Deliver the signal to each case waiting for it, all in one unit of work; return how many received it.

    A signal nothing waits for is delivered to no case (Camunda's answer is the same); one aimed at an execution
    that does not wait for it is refused naming `executionId`."""
    cmd.actor.require("message.correlate")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        cases = list(uow.session.scalars(_receivers(cmd)))
        if cmd.execution_id is not None and not cases:
            raise ValidationFailed(f"执行 {cmd.execution_id} 没有在等待信号 {cmd.name}", field="executionId")
        for instance in cases:
            refuse_reserved(cached_definition(uow.session, instance.definition_id), cmd.variables, "variables")
            run_command(rt, uow.session, instance, Issued(SIGNAL, SignalInputs(cmd.name, cmd.variables), cmd.actor,
                                                          moment, cmd.name))
            keep_typed(uow.session, instance, cmd.typed)
        uow.commit()
    return len(cases)
