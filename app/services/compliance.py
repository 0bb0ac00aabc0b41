"""Per-township compliance (绩效评价, 督导考核), counted from the read tables only.

- investigation started in time: the home visit (the start of 家庭经济状况调查) recorded by
  its due date, which the diagram sets (`add_workdays(accepted_at, 3)` in 低保);
- decided in time: the decision recorded within the case's `overall_limit` working days
  after 受理 — 30, 20 where the township decides, 45 after an objection, as the diagram
  sets it — counted with the case's calendar (loaded years, local closures);
- median working days per step: finished user tasks, start to end.

An open case counts once its limit has passed (as late); before that it is pending and
left out of the share. Nothing here loads a workflow: process_instance, history_activity.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from sqlalchemy import or_, select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import CHINA_TZ, local
from app.domain.errors import ValidationFailed
from app.engine.functions import END_OF_DAY
from app.store.partitions import earliest_row_of
from app.store.tables import HistoryActivity, OrgUnit, ProcessInstance
from app.store.tenancy import in_scope

from .runtime import Runtime


@dataclass(frozen=True)
class Milestones:
    """Which activities of a process mark 受理, the start of the investigation, and the decision."""

    accepted: str
    investigation: str
    decided: tuple[str, ...]


MILESTONES = {
    "dibao": Milestones("record_acceptance", "home_visit", ("record_approval", "record_refusal")),
}


@dataclass
class Share:
    due: int = 0  # cases whose limit has passed or that were done
    on_time: int = 0

    def add(self, verdict: bool | None) -> None:
        if verdict is not None:
            self.due += 1
            self.on_time += verdict

    @property
    def share(self) -> float | None:
        return round(self.on_time / self.due, 4) if self.due else None


@dataclass
class TownshipCompliance:
    code: str
    name: str
    accepted: int = 0
    investigation: Share = field(default_factory=Share)
    decision: Share = field(default_factory=Share)
    step_days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    step_names: dict[str, str] = field(default_factory=dict)

    def step_medians(self) -> dict[str, float]:
        return {step: median(days) for step, days in sorted(self.step_days.items())}


def compliance(rt: Runtime, actor: Actor, params: dict) -> list[TownshipCompliance]:
    """Return the compliance figures per township for cases of `process` accepted in the period."""
    actor.require("supervision.read")
    process = params.get("process") or "dibao"
    milestones = MILESTONES.get(process)
    if milestones is None:
        raise ValidationFailed(f"流程 {process} 没有时限考核口径（可用：{', '.join(MILESTONES)}）", field="process")
    now = clock.now()
    with rt.reading() as uow:
        result = {path: TownshipCompliance(unit.code, unit.name)
                  for path, unit in _townships(uow.session, actor, params.get("township")).items()}
        cases = _cases(uow.session, actor, process, params)
        history = _history(uow.session, [c.id for c in cases], milestones, _since(params))
    deadlines: dict = {}  # cases accepted the same day under one calendar share their deadline
    for case in cases:
        township = result.get(_township_path(case.org_path))
        rows = history.get(case.id, [])
        accepted = _first_start(rows, (milestones.accepted,))
        if township is None or accepted is None or not _in_period(accepted, params):
            continue
        calendar = rt.calendar_for(case.org_path)
        township.accepted += 1
        township.investigation.add(_investigation_in_time(rows, milestones, now))
        township.decision.add(_decided_in_time(rows, milestones, case, accepted, calendar, now, deadlines))
        _count_steps(township, rows, calendar)
    return list(result.values())


def _townships(session, actor: Actor, code: str | None) -> dict[str, OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.level == "township", OrgUnit.path.like(actor.scope.like_pattern))
    if code:
        query = query.where(OrgUnit.code == code)
    units = {u.path: u for u in session.scalars(query.order_by(OrgUnit.code))}
    if code and not units:
        raise ValidationFailed(f"没有乡镇（街道）{code}", field="township")
    return units


def _cases(session, actor: Actor, process: str, params: dict) -> list:
    query = select(ProcessInstance.id, ProcessInstance.org_path, ProcessInstance.variables,
                   ProcessInstance.state).where(ProcessInstance.definition_key == process,
                                                in_scope(ProcessInstance, actor))
    if params.get("acceptedFrom"):  # a case is accepted after it starts: a cheap first cut
        query = query.where(ProcessInstance.started_at >= _day_start(params["acceptedFrom"]))
    return list(session.execute(query))


def _since(params: dict) -> datetime | None:
    """Where the history of the cases `_cases` keeps begins: an activity starts after its case (on PostgreSQL,
    only the month partitions from then on are read)."""
    return earliest_row_of(_day_start(params["acceptedFrom"])) if params.get("acceptedFrom") else None


def _history(session, case_ids: list[str], milestones: Milestones,
             since: datetime | None = None) -> dict[str, list]:
    """The cases' user tasks and milestones: what the figures read (gateways, events and scripts, some six rows in
    seven of a case's history, are left in the database)."""
    rows: dict[str, list] = defaultdict(list)
    marks = [milestones.accepted, milestones.investigation, *milestones.decided]
    for chunk in range(0, len(case_ids), 500):
        query = select(HistoryActivity.process_instance_id, HistoryActivity.activity_id,
                       HistoryActivity.activity_name, HistoryActivity.activity_type, HistoryActivity.start_time,
                       HistoryActivity.end_time, HistoryActivity.due).where(
            HistoryActivity.process_instance_id.in_(case_ids[chunk:chunk + 500]), HistoryActivity.canceled.is_(False),
            or_(HistoryActivity.activity_type == "userTask", HistoryActivity.activity_id.in_(marks)),
            *([HistoryActivity.start_time >= since] if since else []))
        for row in session.execute(query.order_by(HistoryActivity.start_time)):
            rows[row.process_instance_id].append(row)
    return rows


def _township_path(org_path: str) -> str:
    parts = org_path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else ""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), CHINA_TZ)


def _in_period(accepted: datetime, params: dict) -> bool:
    day = local(accepted).date()
    return (not params.get("acceptedFrom") or day >= params["acceptedFrom"]) and \
        (not params.get("acceptedTo") or day <= params["acceptedTo"])


def _first_start(rows: list, activities: tuple[str, ...]) -> datetime | None:
    return next((r.start_time for r in rows if r.activity_id in activities), None)


def _investigation_in_time(rows: list, milestones: Milestones, now: datetime) -> bool | None:
    visit = next((r for r in rows if r.activity_id == milestones.investigation), None)
    if visit is None or visit.due is None:
        return None
    if visit.end_time is not None:
        return visit.end_time <= visit.due
    return False if now > visit.due else None


def _decided_in_time(rows, milestones: Milestones, case, accepted: datetime, calendar, now: datetime,
                     deadlines: dict) -> bool | None:
    limit = (case.variables or {}).get("overall_limit")
    if not isinstance(limit, int):
        return None
    key = (id(calendar), local(accepted).date(), limit)
    if key not in deadlines:
        deadlines[key] = datetime.combine(calendar.add_workdays(key[1], limit).day, END_OF_DAY, CHINA_TZ)
    deadline = deadlines[key]
    decided = _first_start(rows, milestones.decided)
    if decided is not None:
        return decided <= deadline
    if case.state != "ACTIVE":
        return None  # withdrawn or cancelled before a decision: not a decision out of time
    return False if now > deadline else None


def _count_steps(township: TownshipCompliance, rows: list, calendar) -> None:
    for row in rows:
        if row.activity_type == "userTask" and row.end_time is not None:
            township.step_days[row.activity_id].append(
                calendar.workdays_between(local(row.start_time).date(), local(row.end_time).date()))
            township.step_names[row.activity_id] = row.activity_name
