"""The data-access log: every read of a case's data is recorded (by the door, app/services/case_data.py)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.queries import visible_instance
from app.store.tables import AccessLog, ProcessInstance
from app.store.tenancy import in_scope

from .runtime import Runtime


def record_read(session: Session, actor: Actor, instance: ProcessInstance, what: str, masked: bool) -> None:
    """Log that `actor` read the data of `instance` through `what`; committed with the read's unit of work."""
    session.add(AccessLog(at=clock.now(), username=actor.username, process_instance_id=instance.id,
                          org_path=instance.org_path, what=what[:100], masked=masked))


def access_log(rt: Runtime, actor: Actor, case_id: str | None, limit: int = 1000) -> list[AccessLog]:
    """Return who read case data (one case, or every case in scope), newest first."""
    actor.require("audit.verify")
    with rt.reading() as uow:
        query = select(AccessLog).where(in_scope(AccessLog, actor))
        if case_id is not None:
            if visible_instance(uow.session, actor, case_id) is None:
                raise NotFound(f"案件 {case_id} 不存在", field="caseId")
            query = query.where(AccessLog.process_instance_id == case_id)
        rows = list(uow.session.scalars(query.order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit)))
        uow.session.expunge_all()
        return rows
