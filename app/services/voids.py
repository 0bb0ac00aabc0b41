"""作废: an application abandoned after it was registered is voided, with a reason, as an event of the case."""

from sqlalchemy import select

from app.domain import clock
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.store.partitions import earliest_row_of
from app.store.tables import CaseEvent

from .case_commands import run_command
from .case_data import case_in_scope
from .commands import VoidCase
from .registry import COMPLETE, VOID, Issued, VoidInputs
from .runtime import Runtime

MAX_REASON = 500


def void_case(rt: Runtime, cmd: VoidCase) -> None:
    """Void an application: the window while nothing was done on it but registering, a supervisor at any time."""
    cmd.actor.require("case.void")
    reason = (cmd.reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(f"请写明作废原因（不超过 {MAX_REASON} 字）", field="reason")
    with rt.unit_of_work() as uow:
        session = uow.session
        instance = case_in_scope(session, cmd.actor, cmd.process_instance_id)
        if instance.state != "ACTIVE":
            raise Conflict("案件已结束，无需作废", field="id")
        worked_on = session.scalar(select(CaseEvent.seq).where(
            CaseEvent.process_instance_id == instance.id, CaseEvent.at >= earliest_row_of(instance.started_at),
            CaseEvent.command == COMPLETE.name).limit(1))
        if worked_on is not None and not cmd.actor.may("case.void_accepted"):
            raise Forbidden("已受理办理的案件不能由窗口作废；如确已放弃，请报督导作废", field="id")
        run_command(rt, session, instance, Issued(VOID, VoidInputs(reason), cmd.actor, clock.now()))
        uow.commit()
