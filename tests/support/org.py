"""Counties a test module adds to the demo organisation."""
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.domain.orgs import child_path
from app.store.tables import OrgUnit, User
from tests.conftest import PASSWORD

_password = generate_password_hash(PASSWORD)


def add_county(runtime, code: str, name: str, township: str, *, county_roles: tuple[str, ...] = ()) -> str:
    """County `code` named `name`, one township `township` with its window user `window_<code>`, and a user
    `<role>_<code>` at the county for each of `county_roles`. A county already there is left as it is. Returns
    the county's path."""
    county = child_path("", code)
    with runtime.unit_of_work() as uow:
        if uow.session.scalar(select(OrgUnit).where(OrgUnit.code == code)) is None:
            at_township = child_path(county, township)
            uow.session.add_all([
                OrgUnit(code=code, name=name, level="county", path=county, county_path=county),
                OrgUnit(code=township, name=name + "镇", level="township", path=at_township, county_path=county),
                User(username=f"window_{code}", display_name="窗口", password_hash=_password, org_path=at_township,
                     groups=["window"]),
                *(User(username=f"{role}_{code}", display_name=role, password_hash=_password, org_path=county,
                       groups=[role]) for role in county_roles)])
            uow.commit()
    return county


def add_province_user(runtime, username: str, role: str, display_name: str) -> None:
    """A user `username` of the role at the province (unit '/'), who sees every county; one already there is left."""
    with runtime.unit_of_work() as uow:
        if uow.session.scalar(select(User).where(User.username == username)) is None:
            uow.session.add(User(username=username, display_name=display_name, password_hash=_password, org_path="/",
                                 groups=[role]))
            uow.commit()
