"""The data-access log: every read of a case's data is recorded; personal fields are masked by role."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.domain.personal import mask_variables
from app.store.queries import visible_instance
from app.store.tables import AccessLog, ProcessInstance

from .runtime import Runtime


def unmasked(actor: Actor) -> bool:
    return actor.may("personal.unmasked")


def shown_data(actor: Actor, variables: dict) -> dict:
    """Return case data as this actor may see it."""
    return dict(variables) if unmasked(actor) else mask_variables(variables)


def record_read(session: Session, actor: Actor, instance: ProcessInstance, what: str) -> None:
    """Log that `actor` read the data of `instance` through `what`; committed with the read's unit of work."""
    session.add(AccessLog(at=clock.now(), username=actor.username, process_instance_id=instance.id,
                          org_path=instance.org_path, what=what[:100], masked=not unmasked(actor)))


def read_case_data(session: Session, actor: Actor, instance: ProcessInstance, what: str) -> dict:
    """Log the read and return the case's data as the actor may see it."""
    record_read(session, actor, instance, what)
    return shown_data(actor, instance.variables or {})


def access_log(rt: Runtime, actor: Actor, case_id: str | None, limit: int = 1000) -> list[AccessLog]:
    """Return who read case data (one case, or every case in scope), newest first."""
    actor.require("audit.verify")
    with rt.reading() as uow:
        query = select(AccessLog).where(AccessLog.org_path.like(actor.scope.like_pattern))
        if case_id is not None:
            if visible_instance(uow.session, actor, case_id) is None:
                raise NotFound(f"案件 {case_id} 不存在", field="caseId")
            query = query.where(AccessLog.process_instance_id == case_id)
        rows = list(uow.session.scalars(query.order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit)))
        uow.session.expunge_all()
        return rows
