"""Per-county settings: values officials change by policy, kept as data, read at case start."""

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.store.tables import CountySetting, OrgUnit

from .runtime import Runtime

NUMBER = (int, float)

# key -> (type, meaning); a case copies the values at its start, so running cases keep their rules.
KNOWN_SETTINGS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "township_decides": (bool, "低保审核确认权限下放至乡镇（街道）"),
    "documentation_days": (int, "急难型事后补充说明时限（工作日）"),
    "township_approval_limit": (NUMBER, "乡镇审批临时救助的金额上限（元）"),
    "referral_accept_days": (int, "转介部门接收时限（工作日）"),
    "referral_feedback_days": (int, "转介部门反馈办理结果时限（工作日，自接收起）"),
    "dibao_standard": (NUMBER, "城乡低保标准（元/人·月），家庭类别认定（household_class.dmn）据此比较"),
}


def county_settings(rt: Runtime, actor: Actor, county_code: str) -> dict:
    """Return every known setting of a county with its current value."""
    actor.require("case.read")
    with rt.reading() as uow:
        county = _county(uow.session, actor, county_code)
        stored = {r.key: r.value.get("value") for r in uow.session.scalars(
            select(CountySetting).where(CountySetting.county_path == county.path))}
    return {key: {"value": stored.get(key), "description": meaning} for key, (_, meaning) in KNOWN_SETTINGS.items()}


def change_setting(rt: Runtime, actor: Actor, county_code: str, key: str, value) -> None:
    """Set one county setting; new cases take it, running cases keep the value they started with."""
    actor.require("deployment.create")
    if key not in KNOWN_SETTINGS:
        raise ValidationFailed(f"未知的设置项 {key}", field="key")
    _check_value(key, value)
    with rt.unit_of_work() as uow:
        county = _county(uow.session, actor, county_code)
        row = uow.session.get(CountySetting, (county.path, key))
        if row is None:
            uow.session.add(CountySetting(county_path=county.path, key=key, value={"value": value}))
        else:
            row.value = {"value": value}
        uow.commit()


def _check_value(key: str, value) -> None:
    """Refuse a value of the wrong type; numbers are never booleans and never negative."""
    kind = KNOWN_SETTINGS[key][0]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ValidationFailed(f"设置项 {key} 的值须为 {names}", field="value")
    if kind is not bool and value < 0:
        raise ValidationFailed(f"设置项 {key} 的值不能为负数", field="value")


def _county(session, actor: Actor, code: str) -> OrgUnit:
    county = session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.level == "county"))
    if county is None or not (actor.scope.covers(county.path) or county.path.startswith(actor.org_path)):
        raise NotFound(f"县（区）{code} 不存在", field="county")
    return county
