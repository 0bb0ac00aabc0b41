"""What finance, supervisors and auditors read of the payment runs: totals, exceptions, lines, a case's payments.

Everything comes from the run, line and ledger tables. Names, 身份证 and bank accounts leave through
`shown_line`: whole for finance (who pays them) and for the roles that meet the applicant, masked by
the table in app/domain/personal.py for everyone else; a read of a case's payments is logged.
"""

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.domain.orgs import tenant_of
from app.domain.payroll import to_yuan
from app.domain.personal import PERSONAL_FIELDS, mask_marked
from app.store.tables import OrgUnit, PaymentLedger, PayrollLine, PayrollRun, ProcessInstance, Task

from ..case_data import PAYMENTS, case_in_scope, open_case
from ..runtime import Runtime
from ..settings import county_names
from .build import previous_regular
from .runs import county_unit

PROCESS_NAMES = {"dibao": "低保", "tekun": "特困"}
FLAG_NAMES = {"new": "新增", "changed": "金额变化", "back_pay": "补发", "account": "账户缺失或无效"}
PERSONAL = {"applicantName": "applicant_name", "idNumber": "id_number", "bankAccount": "bank_account"}


def sees_whole(actor: Actor) -> bool:
    """Finance pays into the accounts it sees; the handlers meet the applicant: both see personal data whole."""
    return actor.may("payroll.run") or actor.may("personal.unmasked")


def shown_line(actor: Actor, line) -> dict:
    """One roll line as this actor may see it."""
    person = {column: getattr(line, column) for column in PERSONAL.values()}
    if not sees_whole(actor):
        person = mask_marked(person, PERSONAL_FIELDS)  # the masking table of app/domain/personal.py
    return {"seq": line.seq, "caseId": line.process_instance_id, "process": line.definition_key,
            "township": line.township_path, "month": line.month, "kind": line.kind, "amount": to_yuan(line.amount_fen),
            "previousAmount": to_yuan(line.previous_fen), "status": line.status,
            "flags": [f for f in line.flags.split(",") if f], "accountProblem": line.account_problem,
            **{key: person[column] for key, column in PERSONAL.items()}}


def visible_run(session: Session, actor: Actor, run_id: int) -> PayrollRun:
    actor.require("payroll.read")
    run = session.get(PayrollRun, run_id)
    if run is None or not actor.scope.covers(run.county_path):
        raise NotFound(f"发放批次 {run_id} 不存在", field="id")
    return run


def list_runs(rt: Runtime, actor: Actor, county: str | None, month: str | None) -> list[dict]:
    """The runs in the actor's scope, newest month first."""
    actor.require("payroll.read")
    with rt.reading() as uow:
        query = select(PayrollRun).where(PayrollRun.county_path.like(actor.scope.like_pattern))
        if county:
            query = query.where(PayrollRun.county_path == county_unit(uow.session, actor, county).path)
        if month:
            query = query.where(PayrollRun.month == month)
        runs = uow.session.scalars(query.order_by(PayrollRun.month.desc(), PayrollRun.number.desc())).all()
        return [_run_head(uow.session, r) for r in runs]


def run_summary(rt: Runtime, actor: Actor, run_id: int) -> dict:
    """A run with its totals per township and process and its exceptions (counts, and who stopped)."""
    with rt.reading() as uow:
        run = visible_run(uow.session, actor, run_id)
        summary = _run_head(uow.session, run)
        summary["byTownship"] = _by_township(uow.session, run)
        summary["exceptions"], summary["stopped"] = _exceptions(uow.session, actor, run)
        summary["bankResult"] = _bank_result(uow.session, run)
        return summary


def _run_head(session: Session, run: PayrollRun) -> dict:
    case = session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == run.business_key))
    task = session.execute(select(Task.id, Task.activity_id, Task.name, Task.assignee)
                           .where(Task.process_instance_id == case)).first() if case else None
    state = run.state if run.state != "review" or task is None else (
        "confirming" if task.activity_id == "payroll_confirm" else "review")
    return {"id": run.id, "businessKey": run.business_key, "caseId": case, "county": run.county_path,
            "month": run.month, "kind": "correction" if run.number else "regular", "number": run.number,
            "state": state, "startedBy": run.started_by, "startedAt": run.started_at.isoformat(),
            "builtAt": run.built_at.isoformat() if run.built_at else None,
            "frozenAt": run.frozen_at.isoformat() if run.frozen_at else None, "frozenBy": run.frozen_by,
            "lines": run.lines, "total": to_yuan(run.total_fen), "held": to_yuan(run.held_fen),
            "toBank": to_yuan(run.total_fen - run.held_fen), "ledgerHead": run.ledger_head,
            "openTask": {"id": task.id, "activityId": task.activity_id, "name": task.name,
                         "assignee": task.assignee} if task else None}


def _by_township(session: Session, run: PayrollRun) -> list[dict]:
    names = dict(session.execute(select(OrgUnit.path, OrgUnit.name).where(
        OrgUnit.path.like(run.county_path + "%"))).all())
    rows = session.execute(text(
        "SELECT township_path, definition_key, count(*), SUM(amount_fen), "
        "SUM(CASE WHEN status = 'held' THEN amount_fen ELSE 0 END), SUM(CASE WHEN kind = 'back_pay' THEN 1 ELSE 0 END)"
        " FROM payroll_line WHERE run_id = :run AND tenant_id = :tenant GROUP BY township_path, definition_key "
        "ORDER BY township_path, definition_key"), {"run": run.id, "tenant": tenant_of(run.county_path)}).all()
    return [{"township": t, "townshipName": names.get(t, t), "process": p, "processName": PROCESS_NAMES.get(p, p),
             "lines": n, "total": to_yuan(total), "held": to_yuan(held), "backPay": back}
            for t, p, n, total, held, back in rows]


def _exceptions(session: Session, actor: Actor, run: PayrollRun) -> tuple[dict, list[dict]]:
    counts = {flag: session.scalar(select(func.count()).where(PayrollLine.run_id == run.id,
                                                              PayrollLine.tenant_id == tenant_of(run.county_path),
                                                              PayrollLine.flags.like(f"%{flag},%")))
              for flag in FLAG_NAMES}
    stopped = _stopped(session, run)
    counts["stopped"] = len(stopped)
    return counts, [shown_line(actor, line) for line in stopped[:200]]


def _stopped(session: Session, run: PayrollRun) -> list:
    """Households in last month's roll that this regular roll no longer pays."""
    previous = previous_regular(session, run) if run.number == 0 else None
    if previous is None:
        return []
    return session.execute(text(
        "SELECT * FROM payroll_line p WHERE p.run_id = :prev AND p.tenant_id = :tenant AND p.kind = 'regular' "
        "AND NOT EXISTS (SELECT 1 FROM payroll_line l WHERE l.process_instance_id = p.process_instance_id "
        "AND l.tenant_id = :tenant AND l.run_id = :run) ORDER BY p.seq"),
        {"prev": previous, "run": run.id, "tenant": tenant_of(run.county_path)}).all()


def _bank_result(session: Session, run: PayrollRun) -> dict:
    rows = dict(session.execute(select(PaymentLedger.entry, func.count()).where(
        PaymentLedger.tenant_id == tenant_of(run.county_path), PaymentLedger.county_path == run.county_path,
        PaymentLedger.run_id == run.id)
        .group_by(PaymentLedger.entry)).all())
    ordered = rows.get("ordered", 0)
    return {"ordered": ordered, "paid": rows.get("paid", 0), "failed": rows.get("failed", 0),
            "awaiting": ordered - rows.get("paid", 0) - rows.get("failed", 0)}


def run_lines(rt: Runtime, actor: Actor, run_id: int, params: dict) -> tuple[int, list[dict]]:
    """A page of a run's lines (exceptions first when asked), with the count of all that match."""
    with rt.reading() as uow:
        run = visible_run(uow.session, actor, run_id)
        query = select(PayrollLine).where(PayrollLine.run_id == run.id)
        if params.get("township"):
            query = query.where(PayrollLine.township_path == params["township"])
        if params.get("flag"):
            query = query.where(PayrollLine.flags.like(f"%{params['flag']},%"))
        if params.get("exceptions"):
            query = query.where(PayrollLine.flags != "")
        count = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        page = query.order_by(PayrollLine.seq).offset(params.get("firstResult") or 0).limit(
            params.get("maxResults") or 100)
        return count, [shown_line(actor, line) for line in uow.session.scalars(page)]


def case_payments(rt: Runtime, actor: Actor, case_id: str) -> list[dict]:
    """A household's payments month by month: amount, run, bank status (logged as a read of its data)."""
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, case_id)
        if not (actor.may("case.read") or actor.may("payroll.read")):  # told the same as for a case out of scope
            raise NotFound(f"案件 {case_id} 不存在", field="id")
        open_case(uow.session, actor, instance, PAYMENTS)  # checks the scope and logs the read
        payments = payment_rows(uow.session, actor, case_id, instance.tenant_id)
        uow.commit()
        return payments


_PAYMENTS = text(
    "SELECT l.*, r.business_key AS run_key, r.frozen_at AS frozen_at, "
    "(SELECT f.entry FROM payment_ledger f WHERE f.line_id = l.id AND f.tenant_id = l.tenant_id "
    "ORDER BY f.seq DESC LIMIT 1) AS entry, "
    "(SELECT f.note FROM payment_ledger f WHERE f.line_id = l.id AND f.tenant_id = l.tenant_id "
    "ORDER BY f.seq DESC LIMIT 1) AS note "
    "FROM payroll_line l JOIN payroll_run r ON r.id = l.run_id "
    "WHERE l.process_instance_id = :case AND l.tenant_id = :tenant ORDER BY l.month, r.month, r.number")


def counties_in_scope(rt: Runtime, actor: Actor) -> list[dict]:
    """The counties the actor may start runs or change standards in: code and name."""
    return [{"code": code, "name": name} for code, name in county_names(rt, actor).items()]


def unit_codes(rt: Runtime, paths: set[str]) -> dict[str, str]:
    """The codes of the org units at these paths (a township's 名册 is asked for by code)."""
    with rt.reading() as uow:
        return dict(uow.session.execute(select(OrgUnit.path, OrgUnit.code).where(OrgUnit.path.in_(paths))).all())


def page_payments(rt: Runtime, actor: Actor, case_id: str, county: str | None) -> list[dict]:
    """The payments the case page shows beside the case data it has read (and logged) already."""
    with rt.reading() as uow:
        return payment_rows(uow.session, actor, case_id, county)


def payment_rows(session: Session, actor: Actor, case_id: str, county: str | None) -> list[dict]:
    """The case's roll lines (the case is of `county`) with their run and bank status (the caller has logged the
    read)."""
    return [{**shown_line(actor, row), "run": row.run_key, "runId": row.run_id,
             "paymentStatus": _payment_status(row), "bankNote": row.note}
            for row in session.execute(_PAYMENTS, {"case": case_id, "tenant": county})]


def _payment_status(row) -> str:
    """draft (the roll is not frozen) | held | ordered (at the bank) | paid | failed."""
    if row.frozen_at is None:
        return "draft"
    if row.status == "held":
        return "held"
    return row.entry or "ordered"
