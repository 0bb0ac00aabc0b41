"""虚报冒领 findings: recorded on the household when a case reaches its fraud marker, read by supervisors."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import ValidationFailed
from app.domain.id_number import id_number_problem
from app.store.tables import HouseholdFinding, ProcessInstance

from .case_data import FINDINGS, open_case
from .runtime import Runtime

FRAUD_MARKER = "fraud_found_at"  # set by the process's 登记虚报冒领 script, with fraud_reason


def record_findings(session: Session, instance: ProcessInstance, before: dict, actor: Actor,
                    moment: datetime, stage: str | None) -> None:
    """Add a finding in the command's transaction when this command (on activity `stage`) set the fraud marker."""
    after = instance.variables or {}
    if not after.get(FRAUD_MARKER) or before.get(FRAUD_MARKER) == after[FRAUD_MARKER]:
        return
    session.add(HouseholdFinding(
        id_number=str(after.get("id_number") or ""), kind="fraud", process_instance_id=instance.id,
        business_key=instance.business_key, definition_key=instance.definition_key, org_path=instance.org_path,
        stage=stage or "", reason=str(after.get("fraud_reason") or ""),
        found_by=actor.username, found_at=moment))


def household_findings(rt: Runtime, actor: Actor, id_number: str) -> list[tuple[HouseholdFinding, str]]:
    """Return the findings on a household inside the actor's scope, oldest first, each with the 身份证号码 as
    the actor may see it; each case's finding is a read of its data, logged."""
    actor.require("finding.read")
    problem = id_number_problem(id_number)
    if problem:
        raise ValidationFailed(problem, field="id_number")
    with rt.unit_of_work() as uow:
        rows = uow.session.execute(select(HouseholdFinding, ProcessInstance).join(ProcessInstance)
                                   .where(HouseholdFinding.id_number == id_number.upper())
                                   .order_by(HouseholdFinding.found_at, HouseholdFinding.id)).all()
        found = [(row, open_case(uow.session, actor, case, FINDINGS).shown({"id_number": row.id_number})["id_number"])
                 for row, case in rows if actor.scope.covers(row.org_path)]
        uow.commit()
        uow.session.expunge_all()  # read-only rows, handed out after the unit of work ends
        return found
