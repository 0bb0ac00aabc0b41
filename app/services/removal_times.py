"""What the history clean-up (app/services/retention.py) tells a Camunda client: when a case's history will be
removed (`removalTime` of every history row, Camunda's strategy "end": a finished root case's end plus the days that
apply, given to the instances its call activities started; none while the root runs), and how long a definition's
cases are kept (`historyTimeToLive` of a definition that sets none)."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.domain.actors import Actor
from app.domain.orgs import child_path, tenant_of
from app.store.tables import OrgUnit, ProcessDefinition, ProcessInstance

from .retention import county_retention, kept_days, removal_time
from .runtime import Runtime

_ROOT = aliased(ProcessInstance)


def removal_times(rt: Runtime, case_ids: Iterable[str | None]) -> dict[str, datetime | None]:
    """When the history of each case of `case_ids` (a call activity's instance: its root case's) will be removed,
    by id: None while its root case runs, or when that is past the last date. One read for them all, and one of the
    counties' settings if a finished root's process sets no time to live."""
    ids = sorted({case_id for case_id in case_ids if case_id is not None})
    if not ids:
        return {}
    with rt.reading() as uow:
        rows = uow.session.execute(
            select(ProcessInstance.id, _ROOT.ended_at, _ROOT.state, _ROOT.org_path,
                   ProcessDefinition.history_time_to_live)
            .join(_ROOT, _ROOT.id == func.coalesce(ProcessInstance.root_process_instance_id, ProcessInstance.id))
            .join(ProcessDefinition, ProcessDefinition.id == _ROOT.definition_id)
            .where(ProcessInstance.id.in_(ids))).all()
        ended = [row for row in rows if row.state != "ACTIVE" and row.ended_at is not None]
        county_days, default = county_retention(uow.session) if any(
            row.history_time_to_live is None for row in ended) else ({}, 0)
    times: dict[str, datetime | None] = dict.fromkeys((row.id for row in rows), None)
    times.update((row.id, removal_time(row, county_days, default)) for row in ended)
    return times


def times_to_live(rt: Runtime, actor: Actor, definitions: Iterable[ProcessDefinition]) -> dict[str, int]:
    """How many days after its end a case of each definition is kept, by id: the definition's historyTimeToLive;
    without one, for a county's own definition that county's setting in force; for a shared one, that of the county
    the actor serves, or for the province's users the shortest any county has in force (the earliest a case of it
    may be removed: each case's own removal time is exact)."""
    definitions = list(definitions)
    own = {d.id: d.history_time_to_live for d in definitions if d.history_time_to_live is not None}
    missing = [d for d in definitions if d.history_time_to_live is None]
    if not missing:
        return own
    county = tenant_of(actor.org_path)
    with rt.reading() as uow:
        county_days, default = county_retention(uow.session)
        counties = [] if county is not None or all(d.tenant_id for d in missing) else list(uow.session.scalars(
            select(OrgUnit.path).where(OrgUnit.level == "county")))
    shortest = min((county_days.get(path, default) for path in counties), default=default)

    def days(tenant_id: str | None) -> int:
        at = tenant_id or county
        return shortest if at is None else kept_days(None, child_path("", at), county_days, default)

    return {**own, **{d.id: days(d.tenant_id) for d in missing}}
