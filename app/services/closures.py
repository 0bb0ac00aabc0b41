"""Local closure days (a flood, an epidemic): not working days for the cases of one county or township.

A closure belongs to an org unit: a county closure counts for every township in it, a
township closure only there. Adding or removing one recomputes the open deadlines of
that unit's cases that fall on or after the day; new deadlines count it at once. The
closure and the recompute it owes commit together; the recompute is worked off in
batches afterwards (app/services/deadlines.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ
from app.domain.errors import NotFound, ValidationFailed
from app.store.broadcast import announce
from app.store.calendar_generation import change_calendar
from app.store.tables import CalendarClosure, OrgUnit

from .deadlines import INLINE_SECONDS, Affected, Progress, owe_recompute, work_off
from .runtime import CALENDAR, Runtime


@dataclass
class Closure:
    id: int
    org: str
    org_name: str
    day: date
    reason: str
    created_by: str


# what the change is answered with, stored in its transaction (the request's Idempotency-Key answer)
Answer = Callable[[Session, "Closure | None", Progress], None]


def add_closure(rt: Runtime, actor: Actor, org: str, day: date, reason: str, answer: Answer | None = None,
                budget_seconds: float = INLINE_SECONDS) -> tuple[Closure, Progress]:
    """Close a county or township for one day and move the open deadlines it affects: the closure and the recompute
    it owes commit together (`answer` is given both in that transaction); then up to `budget_seconds` of it run."""
    actor.require("deployment.create")
    if not reason.strip():
        raise ValidationFailed("须说明停止办公的原因", field="reason")
    with rt.unit_of_work() as uow:
        unit = _unit(uow.session, actor, org)
        if uow.session.scalar(select(CalendarClosure.id).where(CalendarClosure.org_path == unit.path,
                                                              CalendarClosure.day == day,
                                                              CalendarClosure.removed_at.is_(None))) is not None:
            raise ValidationFailed(f"{unit.name} {day} 已登记为停止办公日", field="day")
        row = CalendarClosure(org_path=unit.path, day=day, reason=reason.strip(), created=clock.now(),
                              created_by=actor.username)
        uow.session.add(row)
        uow.session.flush()
        closure = Closure(row.id, unit.code, unit.name, day, row.reason, row.created_by)
        owed = _owe(uow.session, day, unit.path, f"停止办公日 {row.id} 登记", actor, closure, answer)
        uow.commit()
    return closure, work_off(rt, owed, budget_seconds)


def remove_closure(rt: Runtime, actor: Actor, closure_id: int, answer: Answer | None = None,
                   budget_seconds: float = INLINE_SECONDS) -> Progress:
    """Withdraw a closure day (entered by mistake) and move the deadlines back, as `add_closure` does."""
    actor.require("deployment.create")
    with rt.unit_of_work() as uow:
        row = uow.session.get(CalendarClosure, closure_id)
        if row is None or row.removed_at is not None or not actor.scope.covers(row.org_path):
            raise NotFound(f"停止办公日 {closure_id} 不存在", field="id")
        row.removed_at, row.removed_by = clock.now(), actor.username
        owed = _owe(uow.session, row.day, row.org_path, f"停止办公日 {row.id} 撤销", actor, None, answer)
        uow.commit()
    return work_off(rt, owed, budget_seconds)


def list_closures(rt: Runtime, actor: Actor) -> list[Closure]:
    """Return the closure days of the actor's county and its townships, by day."""
    actor.require("case.read")
    county = actor.scope.path.split("/")[1] if actor.scope.path.count("/") > 1 else ""
    with rt.reading() as uow:
        rows = uow.session.execute(
            select(CalendarClosure, OrgUnit).join(OrgUnit, OrgUnit.path == CalendarClosure.org_path)
            .where(CalendarClosure.org_path.like(f"/{county}/%" if county else "/%"),
                   CalendarClosure.removed_at.is_(None))
            .order_by(CalendarClosure.day, CalendarClosure.id)).all()
        return [Closure(c.id, u.code, u.name, c.day, c.reason, c.created_by) for c, u in rows]


def _unit(session, actor: Actor, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None or not actor.scope.covers(unit.path):
        raise NotFound(f"没有单位 {code}", field="org")
    if unit.level not in ("county", "township"):
        raise ValidationFailed("停止办公日须登记在县或乡镇（街道）", field="org")
    return unit


def _owe(session: Session, day: date, org_path: str, cause: str, actor: Actor, closure: Closure | None,
         answer: Answer | None) -> Progress:
    """The rest of a closure's transaction: the recompute it owes, the generation raised, the broadcast, the answer."""
    since = datetime.combine(day, datetime.min.time(), CHINA_TZ)
    owed = owe_recompute(session, Affected(org_path=org_path, since=since), cause, actor.username)
    change_calendar(session)
    announce(session, CALENDAR)
    progress = Progress.of(owed)
    if answer is not None:
        answer(session, closure, progress)
    return progress
