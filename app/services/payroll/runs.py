"""Payment runs: start one (finance by hand, or the county's monthly day), build its roll, hand it to review.

Each run is a case of the `payroll` process (workflows/payroll.bpmn): it waits at 名册已生成
while the service builds the roll from the payment facts (app/services/payroll/build.py), then
offers 审核 and 复核 to finance. A county has at most one run not yet frozen, so two rolls can
never both pay what is owed; the roll of month M is built on the county's `payroll_day` of the
month before (the bank pays at the start of M).
"""

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import SYSTEM, Actor
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.payroll import month_of, parse_month, shift_month
from app.store.tables import Benefit, EventSubscription, OrgUnit, PayrollRun

from ..cases import start_case
from ..commands import CorrelateMessage, StartCase
from ..messages import correlate_message
from ..runtime import Runtime
from ..settings import county_setting
from .build import write_lines

PROCESS, BUILT = "payroll", "payroll_roll_built"
FACTS_MARGIN = timedelta(hours=1)  # longer than any command between taking its moment and committing


def county_unit(session: Session, actor: Actor, code: str) -> OrgUnit:
    """The county `code` inside the actor's scope, or NotFound naming the field."""
    county = session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.level == "county"))
    if county is None or not actor.scope.covers(county.path):
        raise NotFound(f"县（区）{code} 不存在", field="county")
    return county


def latest_month(moment: datetime) -> str:
    """The furthest month a roll may be made for now: the next one (its roll is made this month)."""
    return shift_month(month_of(moment), 1)


def start_run(rt: Runtime, actor: Actor, county_code: str, month, correction: bool = False) -> int:
    """Start the regular run of a month not yet run (or, after it froze, a correction run), and build its roll."""
    actor.require("payroll.run")
    month = parse_month(month)
    moment = clock.now()
    if month > latest_month(moment):
        raise ValidationFailed(f"{month} 的发放名册尚不能生成（最晚为 {latest_month(moment)}）", field="month")
    with rt.unit_of_work() as uow:
        county = county_unit(uow.session, actor, county_code)
        run = _new_run(uow.session, county, month, correction, actor, moment)
        uow.commit()
        run_id, business_key = run.id, run.business_key
    start_case(rt, StartCase(replace(actor, trusted=True), PROCESS, business_key,  # payroll.run was checked above
                             {"county": county_code, "month": month, "run_id": run_id, "correction": correction}))
    build_run(rt, run_id)
    return run_id


def _new_run(session: Session, county: OrgUnit, month: str, correction: bool, actor: Actor,
             moment: datetime) -> PayrollRun:
    _lock_county(session, county)
    open_run = session.scalar(select(PayrollRun).where(PayrollRun.county_path == county.path,
                                                       PayrollRun.frozen_at.is_(None)))
    if open_run is not None:
        raise Conflict(f"{county.name} {open_run.month} 的发放批次 {open_run.business_key} 尚未冻结，"
                       f"冻结后才能开始新的批次")
    regular = session.scalar(select(PayrollRun).where(PayrollRun.county_path == county.path,
                                                      PayrollRun.month == month, PayrollRun.number == 0))
    if correction and regular is None:
        raise ValidationFailed(f"{month} 尚无已冻结的发放名册，不能开始更正批次", field="month")
    if not correction and regular is not None:
        raise Conflict(f"{county.name} {month} 的发放名册已生成（{regular.business_key}）；冻结后的更正请开始更正批次")
    number = 0
    if correction:
        number = (session.scalar(select(func.max(PayrollRun.number)).where(
            PayrollRun.county_path == county.path, PayrollRun.month == month)) or 0) + 1
    suffix = f"-C{number}" if number else ""
    run = PayrollRun(county_path=county.path, month=month, number=number, business_key=f"PR-{county.code}-{month}"
                     f"{suffix}", state="building", started_by=actor.username, started_at=moment, lines=0,
                     total_fen=0, held_fen=0)
    session.add(run)
    session.flush()
    return run


def _lock_county(session: Session, county: OrgUnit) -> None:
    """Serialize run starts of one county (PostgreSQL row lock; SQLite has one writer anyway)."""
    session.execute(select(OrgUnit.id).where(OrgUnit.id == county.id).with_for_update())


def build_run(rt: Runtime, run_id: int) -> None:
    """Build (or rebuild) the roll of a run waiting for it, then let its case go on to review."""
    moment = clock.now()
    with rt.unit_of_work() as uow:
        run = uow.session.scalar(select(PayrollRun).where(PayrollRun.id == run_id).with_for_update())
        waiting = None if run is None or run.frozen_at is not None else _waiting_since(uow.session, run)
        if waiting is None:
            return
        if run.built_at is None or run.built_at <= waiting:  # not yet built for this wait (another builder may have)
            lines, total, held = write_lines(uow.session, run)
            run.lines, run.total_fen, run.held_fen, run.built_at, run.state = lines, total, held, moment, "review"
            run.facts_from = moment - FACTS_MARGIN
        uow.commit()
        key, built = run.business_key, {"lines": run.lines, "total_fen": run.total_fen, "held_fen": run.held_fen,
                                         "built_at": run.built_at.isoformat()}
    try:
        correlate_message(rt, CorrelateMessage(SYSTEM, BUILT, key, variables=built))
    except (ValidationFailed, Conflict):
        pass  # another builder has just handed the same roll to review


def _waiting_since(session: Session, run: PayrollRun) -> datetime | None:
    """When the run's case began to wait for its roll, or None when it is not waiting."""
    return session.scalar(select(EventSubscription.created).where(
        EventSubscription.event_name == BUILT, EventSubscription.business_key == run.business_key))


def build_waiting_runs(rt: Runtime) -> int:
    """Build every run whose case waits for its roll (after 重新生成, or a build cut short); return how many."""
    with rt.reading() as uow:
        keys = uow.session.scalars(select(EventSubscription.business_key).where(
            EventSubscription.event_name == BUILT)).all()
        ids = uow.session.scalars(select(PayrollRun.id).where(PayrollRun.business_key.in_(keys))).all()
    for run_id in ids:
        build_run(rt, run_id)
    return len(ids)


def start_due_runs(rt: Runtime, only: Collection[str] | None = None) -> list[int]:
    """Start next month's regular run in each county (or those coded `only`) whose `payroll_day` has come."""
    moment = clock.now()
    target, started = latest_month(moment), []
    with rt.reading() as uow:
        query = select(OrgUnit.code, OrgUnit.path).where(OrgUnit.level == "county")
        counties = uow.session.execute(query if only is None else query.where(OrgUnit.code.in_(only))).all()
        due = [code for code, path in counties if _due(uow.session, path, target, moment)]
    for code in due:
        try:
            started.append(start_run(rt, SYSTEM, code, target))
        except (Conflict, ValidationFailed, IntegrityError):  # another process started it at the same moment
            continue  # an open run goes first; the next tick tries again
    return started


def _due(session: Session, county_path: str, target: str, moment: datetime) -> bool:
    day = county_setting(session, county_path, "payroll_day")
    if clock.local(moment).day < day:
        return False
    exists = session.scalar(select(PayrollRun.id).where(PayrollRun.county_path == county_path,
                                                        PayrollRun.month == target, PayrollRun.number == 0))
    has_households = session.scalar(select(Benefit.process_instance_id).where(Benefit.county_path == county_path)
                                    .limit(1))
    return exists is None and has_households is not None


def payroll_tick(rt: Runtime, only: Collection[str] | None = None) -> None:
    """The scheduler's monthly timer and build worker: start due runs, build the runs waiting for a roll."""
    start_due_runs(rt, only)
    build_waiting_runs(rt)

