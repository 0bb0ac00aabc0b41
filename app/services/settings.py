"""Per-county settings: values officials change by policy, kept as data, read at case start."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.county_settings import SETTINGS, checked_value, defaults
from app.domain.errors import NotFound
from app.store.tables import CountySetting, OrgUnit

from .runtime import Runtime


def county_settings(rt: Runtime, actor: Actor, county_code: str) -> dict:
    """Return every known setting of a county: the value in force, its default and its meaning."""
    actor.require("case.read")
    with rt.reading() as uow:
        county = county_unit(uow.session, actor, county_code)
        stored = _stored(uow.session, county.path)
    return {key: {"value": stored.get(key, s.default), "default": s.default, "description": s.meaning}
            for key, s in SETTINGS.items()}


def settings_in_force(session: Session, org_path: str) -> dict:
    """Return the settings of the county an org unit belongs to, as a case starting there copies them."""
    return {**defaults(), **_stored(session, "/" + org_path.strip("/").split("/")[0] + "/")}


def county_setting(session: Session, county_path: str, key: str):
    """Return one setting of a county as in force now (the service's own reads: the payroll day, the bank file)."""
    return _stored(session, county_path).get(key, SETTINGS[key].default)


def _stored(session: Session, county_path: str) -> dict:
    rows = session.scalars(select(CountySetting).where(CountySetting.county_path == county_path))
    return {row.key: row.value.get("value") for row in rows if row.key in SETTINGS}


def change_setting(rt: Runtime, actor: Actor, county_code: str, key: str, value) -> None:
    """Set one county setting; new cases take it, running cases keep the value they started with."""
    actor.require("deployment.create")
    value = checked_value(key, value)
    with rt.unit_of_work() as uow:
        county = county_unit(uow.session, actor, county_code)
        row = uow.session.get(CountySetting, (county.path, key))
        if row is None:
            uow.session.add(CountySetting(county_path=county.path, key=key, value={"value": value}))
        else:
            row.value = {"value": value}
        uow.commit()


def county_unit(session, actor: Actor, code: str) -> OrgUnit:
    """The county of code `code` within the actor's scope; NotFound naming `county` otherwise."""
    county = session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.level == "county"))
    if county is None or not (actor.scope.covers(county.path) or county.path.startswith(actor.org_path)):
        raise NotFound(f"县（区）{code} 不存在", field="county")
    return county


def county_names(rt: Runtime, actor: Actor) -> dict[str, str]:
    """The names of the counties the actor sees (a county's user: their own), by code, in code order."""
    with rt.reading() as uow:
        return dict(uow.session.execute(select(OrgUnit.code, OrgUnit.name).where(
            OrgUnit.level == "county", OrgUnit.path.like(actor.scope.like_pattern)).order_by(OrgUnit.code)).all())
