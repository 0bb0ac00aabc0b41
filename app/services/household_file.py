"""一户一档 (one household, one file): a new application whose applicant or a member already has a running case or
a 虚报冒领 finding is not accepted silently; the window is shown those cases and confirms before it goes on.

Each case's people (its applicant's and its members' 身份证号码) are kept in `case_person` by the command that
sets them, so the check is an index lookup whatever the number of cases.
"""

from sqlalchemy import String, literal, select, union
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import ValidationFailed
from app.domain.id_number import id_number_problem
from app.store.tables import CasePerson, HouseholdFinding, ProcessDefinition, ProcessInstance
from app.store.writes import Writes

APPLICANT, MEMBERS, MEMBER_ID = "id_number", "household_members", "member_id_number"
CONFIRMED = "household_confirmed"  # the accept forms' checkbox: the window has seen the household's other cases


def people(variables: dict) -> set[str]:
    """The valid 身份证号码 a case's data names: its applicant's and its household members'."""
    found = [variables.get(APPLICANT)]
    members = variables.get(MEMBERS)
    if isinstance(members, list):
        found += [row.get(MEMBER_ID) for row in members if isinstance(row, dict)]
    return {n.strip().upper() for n in found if isinstance(n, str) and not id_number_problem(n.strip())}


def record_people(writes: Writes, instance: ProcessInstance, before: dict) -> None:
    """Keep the case's people in step with its data, with the command's writes (only when they changed)."""
    now, then = people(instance.variables or {}), people(before)
    writes.delete(CasePerson.__table__, [(instance.id, n) for n in sorted(then - now)],
                  ("process_instance_id", "id_number"))
    writes.insert(CasePerson.__table__, [{"process_instance_id": instance.id, "id_number": n,
                                          "tenant_id": instance.tenant_id} for n in sorted(now - then)])


def check_household(session: Session, actor: Actor, case_id: str | None, accepted: dict) -> None:
    """Refuse an intake whose people (its applicant, and its members where it lists them) have another running case
    or a finding, unless the window confirmed it (`household_confirmed`); the refusal lists them (with a link where
    the case is in the window's scope). The page and the REST API hold alike: an intake naming only its applicant
    is held as one listing its household."""
    if accepted.get(CONFIRMED) is True:
        return
    cases = household_cases(session, actor, case_id, people(accepted))
    if not cases:
        return
    listed = "；".join(f"{c['what']} {c['businessKey'] or '（其他辖区）'}" for c in cases)
    message = f"一户一档：申请人或家庭成员已有{listed}。请核实后勾选「已核实一户一档提示」再提交"
    raise ValidationFailed(message, field=CONFIRMED, errors=[{"field": CONFIRMED, "message": message,
                                                              "cases": cases}])


def check_start(session: Session, actor: Actor, intake: bool, given: dict) -> None:
    """A start of an application process (one whose intake form asks the window to confirm 一户一档) that already
    names its applicant or household over the REST API is held as the intake would be."""
    if intake and people(given):
        check_household(session, actor, None, given)


def household_cases(session: Session, actor: Actor, case_id: str | None, ids: set[str]) -> list[dict]:
    """The household's running cases other than `case_id` and its findings, as the actor may see them (one query:
    every intake pays for it)."""
    if not ids:
        return []
    running = (select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.org_path,
                      ProcessDefinition.name, literal(0).label("finding"))
               .join(CasePerson, CasePerson.process_instance_id == ProcessInstance.id)
               .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
               .where(CasePerson.id_number.in_(list(ids)), ProcessInstance.state == "ACTIVE",
                      ProcessInstance.id != (case_id or "")))
    findings = select(HouseholdFinding.process_instance_id, HouseholdFinding.business_key, HouseholdFinding.org_path,
                      literal(None, String).label("name"), literal(1).label("finding")) \
        .where(HouseholdFinding.id_number.in_(list(ids)))
    both = union(running, findings).subquery()
    # 一户一档 looks in every county, on purpose (app/store/tenancy.py)
    rows = session.execute(select(both).order_by(both.c.finding, both.c.id).execution_options(cross_county=True)).all()
    return [_shown(actor, case, key, org, "虚报冒领记录，见案件" if finding else f"在办的{name or '案件'}案件")
            for case, key, org, name, finding in rows]


def _shown(actor: Actor, case_id: str, business_key: str | None, org_path: str, what: str) -> dict:
    """One of the household's cases as the window may see it: outside its scope, neither id nor key."""
    visible = actor.scope.covers(org_path)
    return {"what": what, "id": case_id if visible else None, "businessKey": business_key if visible else None}
