"""Rows changed behind the service's back, as the audit chain's tests need."""

from collections.abc import Callable

from sqlalchemy import select, text, update

from app.domain.audit import event_digest
from app.store.tables import CaseEvent, ProcessInstance


def tamper_rows(runtime, *statements) -> None:
    """Change rows behind the service's back; on PostgreSQL bypass the append-only trigger as superuser."""
    with runtime.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            uow.session.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            uow.session.execute(statement)
        uow.commit()


def rechained(runtime, case_id: str, seq: int, edit: Callable[[dict], object]) -> list:
    """The statements that give event `seq` the inputs `edit(inputs)` and re-hash the whole chain and the case's
    last hash over it: a rewrite the hashes cannot show, only replay."""
    with runtime.reading() as uow:
        events = list(uow.session.scalars(select(CaseEvent).where(CaseEvent.process_instance_id == case_id)
                                          .order_by(CaseEvent.seq)))
    previous, statements = None, []
    for event in events:
        inputs = edit(event.inputs) if event.seq == seq else event.inputs
        digest = event_digest(event.process_instance_id, event.seq, event.at, event.actor, event.command,
                              event.target, inputs, event.changed, event.state_hash, previous)
        statements.append(update(CaseEvent).where(CaseEvent.id == event.id).values(inputs=inputs, hash=digest))
        previous = digest
    return [*statements, update(ProcessInstance).where(ProcessInstance.id == case_id).values(last_event_hash=previous)]
