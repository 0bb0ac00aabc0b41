"""Users, passwords and the demo organisation."""

import hashlib
import threading
import time

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain.actors import Actor
from app.domain.errors import Unauthenticated
from app.domain.orgs import child_path
from app.store.tables import CountySetting, OrgUnit, User

from .runtime import Runtime

_CACHE_SECONDS = 60
CREDENTIALS = "credentials"  # the broadcast topic: a user changed (PostgreSQL announces every update, migration 0019)
# credentials -> (trusted until, actor, the stored hash they were checked against)
_verified: dict[str, tuple[float, Actor, str]] = {}
_checking: dict[str, threading.Lock] = {}  # credentials being checked now -> their lock
_lock = threading.Lock()


def authenticate(rt: Runtime, username: str, password: str) -> Actor:
    """Return the actor for valid credentials.

    The password KDF costs tens of milliseconds of CPU, so it runs at most once per credentials:
    a pair verified within the last minute needs nothing; after that one query re-reads the user,
    and only a changed password hash (or a pair never verified) runs the KDF again. On PostgreSQL any
    change to a user row, however made, is announced to every process, which forgets that user's pairs
    at once; elsewhere a deactivated user or a changed password is refused within the minute. Requests
    arriving together with the same unverified pair wait for one KDF instead of each running it.
    """
    token = _cache_key(username, password)
    with _lock:
        gate = _checking.setdefault(token, threading.Lock())
    try:
        with gate:
            with _lock:
                known = _verified.get(token)
            if known is not None and known[0] > time.monotonic():
                return known[1]
            actor, password_hash = _verify(rt, username, password, known[2] if known else None)
            with _lock:
                _verified[token] = (time.monotonic() + _CACHE_SECONDS, actor, password_hash)
            return actor
    finally:
        with _lock:
            _checking.pop(token, None)


def _verify(rt: Runtime, username: str, password: str, verified_hash: str | None) -> tuple[Actor, str]:
    """Read the user; run the KDF unless the password was verified against the hash still stored."""
    with rt.reading() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not (
                user.password_hash == verified_hash or check_password_hash(user.password_hash, password)):
            raise Unauthenticated("用户名或密码错误")
        return Actor(user.username, user.org_path, frozenset(user.groups)), user.password_hash


def _cache_key(username: str, password: str) -> str:
    return hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()


def cached_actor(username: str, password: str) -> Actor | None:
    """Return the actor of a pair verified within the last minute, or None (no database, no KDF)."""
    with _lock:
        hit = _verified.get(_cache_key(username, password))
    return hit[1] if hit and hit[0] > time.monotonic() else None


def forget_credentials(username: str = "*") -> None:
    """Forget the verified pairs of one user (every user: "*", as after the broadcast lost announcements)."""
    with _lock:
        if username == "*":
            _verified.clear()
        else:
            for token in [t for t, (_, actor, _) in _verified.items() if actor.username == username]:
                del _verified[token]


DEMO_ORG = ("sfx", "示范县", [
    ("cg", "城关镇", [("dongguan", "东关社区"), ("xiguan", "西关村")]),
    ("hd", "河东街道", [("hedong1", "河东一村"), ("hedong2", "河东二村")]),
])
DEMO_USERS = [
    ("window_cg", "城关镇受理窗口", "cg", ["window"]),
    ("investigator_cg", "城关镇调查员", "cg", ["investigator"]),
    ("reviewer_cg", "城关镇审核", "cg", ["township_reviewer"]),
    ("village_cg", "东关社区居委会", "cg", ["village"]),
    ("window_hd", "河东街道受理窗口", "hd", ["window"]),
    ("county_reviewer", "县民政局审核确认", "sfx", ["county_reviewer"]),
    ("finance", "县财政发放", "sfx", ["finance"]),
    ("finance2", "县财政发放复核", "sfx", ["finance"]),  # 双人复核: a roll is confirmed by a second finance user
    ("supervisor", "县民政局督导", "sfx", ["supervisor"]),
    ("auditor", "县审计局", "sfx", ["auditor"]),
    ("designer", "省级流程设计员", "/", ["designer"]),  # the province's: deploys shared processes and any county's
    ("designer_sfx", "示范县流程设计员", "sfx", ["designer"]),  # a county's: deploys for 示范县 only
    ("verifier", "家庭经济状况核对系统", "sfx", ["verifier"]),
    # 转介 referral departments: each sees only the referrals addressed to its group in its unit
    ("dept_medical_user", "县医疗保障局", "sfx", ["dept_medical"]),
    ("dept_education_user", "县教育局", "sfx", ["dept_education"]),
    ("dept_housing_user", "县住房和城乡建设局", "sfx", ["dept_housing"]),
    ("dept_employment_user", "县人力资源和社会保障局", "sfx", ["dept_employment"]),
    ("dept_legal_user", "县司法局法律援助中心", "sfx", ["dept_legal"]),
    ("dept_emergency_user", "县应急管理局", "sfx", ["dept_emergency"]),
    ("dept_disability_user", "县残疾人联合会", "sfx", ["dept_disability"]),
    ("charity_user", "县慈善总会", "sfx", ["charity"]),
    ("dept_medical_hd", "河东街道卫生院（医疗救助经办）", "hd", ["dept_medical"]),
    ("hotline", "12345热线与网格员主动发现", "sfx", ["hotline"]),
]


def load_demo(rt: Runtime, password: str) -> int:
    """Create the demo county, townships, villages and users if missing; return users created."""
    code, name, townships = DEMO_ORG
    county = child_path("", code)
    created = 0
    with rt.unit_of_work() as uow:
        session = uow.session
        existing = {u.code for u in session.scalars(select(OrgUnit))}
        units = [(code, name, "county", county)]
        for t_code, t_name, villages in townships:
            t_path = child_path(county, t_code)
            units.append((t_code, t_name, "township", t_path))
            units.extend((v_code, v_name, "village", child_path(t_path, v_code)) for v_code, v_name in villages)
        session.add_all(OrgUnit(code=c, name=n, level=lv, path=p, county_path=county)
                        for c, n, lv, p in units if c not in existing)
        paths = {c: p for c, _, _, p in units} | {"/": "/"}  # "/": the province, above every county
        users = {u.username for u in session.scalars(select(User))}
        hashed = generate_password_hash(password)
        for username, display, unit, groups in DEMO_USERS:
            if username not in users:
                session.add(User(username=username, display_name=display, password_hash=hashed,
                                 org_path=paths[unit], groups=groups))
                created += 1
        if session.get(CountySetting, (county, "township_decides")) is None:
            session.add(CountySetting(county_path=county, key="township_decides", value={"value": False}))
        if session.get(CountySetting, (county, "dibao_standard")) is None:
            session.add(CountySetting(county_path=county, key="dibao_standard", value={"value": 800}))
        uow.commit()
    return created


def active_actor(rt: Runtime, username: str) -> tuple[Actor, str] | None:
    """Return the actor and display name of an active user (a web session), or None."""
    with rt.reading() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            return None
        return Actor(user.username, user.org_path, frozenset(user.groups)), user.display_name
