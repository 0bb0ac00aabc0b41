"""Local closure days (a flood, an epidemic): not working days for the cases of one county or township.

A closure belongs to an org unit: a county closure counts for every township in it, a
township closure only there. Adding or removing one recomputes the open deadlines of
that unit's cases that fall on or after the day; new deadlines count it at once.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ
from app.domain.errors import NotFound, ValidationFailed
from app.store.broadcast import announce
from app.store.tables import CalendarClosure, OrgUnit

from .deadlines import Affected, Recomputed, recompute_deadlines
from .runtime import CALENDAR, Runtime


@dataclass
class Closure:
    id: int
    org: str
    org_name: str
    day: date
    reason: str
    created_by: str


def add_closure(rt: Runtime, actor: Actor, org: str, day: date, reason: str) -> tuple[Closure, Recomputed]:
    """Close a county or township for one day and move the open deadlines it affects."""
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
        announce(uow.session, CALENDAR)
        uow.commit()
        closure = Closure(row.id, unit.code, unit.name, day, row.reason, row.created_by)
    return closure, _recompute(rt, closure.day, unit.path)


def remove_closure(rt: Runtime, actor: Actor, closure_id: int) -> Recomputed:
    """Withdraw a closure day (entered by mistake) and move the deadlines back."""
    actor.require("deployment.create")
    with rt.unit_of_work() as uow:
        row = uow.session.get(CalendarClosure, closure_id)
        if row is None or row.removed_at is not None or not actor.scope.covers(row.org_path):
            raise NotFound(f"停止办公日 {closure_id} 不存在", field="id")
        day, path = row.day, row.org_path
        row.removed_at, row.removed_by = clock.now(), actor.username
        announce(uow.session, CALENDAR)
        uow.commit()
    return _recompute(rt, day, path)


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


def _recompute(rt: Runtime, day: date, org_path: str) -> Recomputed:
    since = datetime.combine(day, datetime.min.time(), CHINA_TZ)
    return recompute_deadlines(rt, Affected(org_path=org_path, since=since))
