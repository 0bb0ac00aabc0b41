"""Per-county settings: values officials change by policy, kept as data, read at case start."""

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.store.tables import CountySetting, OrgUnit

from .runtime import Runtime

# key -> (type, meaning); a case copies the values at its start, so running cases keep their rules.
KNOWN_SETTINGS: dict[str, tuple[type, str]] = {
    "township_decides": (bool, "低保审核确认权限下放至乡镇（街道）"),
}


def county_settings(rt: Runtime, actor: Actor, county_code: str) -> dict:
    """Return every known setting of a county with its current value."""
    actor.require("case.read")
    with rt.unit_of_work() as uow:
        county = _county(uow.session, actor, county_code)
        stored = {r.key: r.value.get("value") for r in uow.session.scalars(
            select(CountySetting).where(CountySetting.county_path == county.path))}
    return {key: {"value": stored.get(key), "description": meaning} for key, (_, meaning) in KNOWN_SETTINGS.items()}


def change_setting(rt: Runtime, actor: Actor, county_code: str, key: str, value) -> None:
    """Set one county setting; new cases take it, running cases keep the value they started with."""
    actor.require("deployment.create")
    if key not in KNOWN_SETTINGS:
        raise ValidationFailed(f"未知的设置项 {key}", field="key")
    kind = KNOWN_SETTINGS[key][0]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValidationFailed(f"设置项 {key} 的值须为 {kind.__name__}", field="value")
    with rt.unit_of_work() as uow:
        county = _county(uow.session, actor, county_code)
        row = uow.session.get(CountySetting, (county.path, key))
        if row is None:
            uow.session.add(CountySetting(county_path=county.path, key=key, value={"value": value}))
        else:
            row.value = {"value": value}
        uow.commit()


def _county(session, actor: Actor, code: str) -> OrgUnit:
    county = session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.level == "county"))
    if county is None or not (actor.scope.covers(county.path) or county.path.startswith(actor.org_path)):
        raise NotFound(f"县（区）{code} 不存在", field="county")
    return county
