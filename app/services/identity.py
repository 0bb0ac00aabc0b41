"""Users and groups from the organisation: a group is a role (candidate group), a user a member of their roles."""

import re
from dataclasses import dataclass

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.domain.roles import ROLE_NAMES
from app.store.tables import User

from .runtime import Runtime


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    type: str = "WORKFLOW"  # Camunda's type of groups that receive tasks


def _user(session, actor: Actor, user_id: str) -> User:
    actor.require("case.read")
    user = session.scalar(select(User).where(User.username == user_id, User.active.is_(True)))
    if user is None or not actor.scope.covers(user.org_path):
        raise NotFound(f"用户 {user_id} 不存在", field="id")
    return user


def user_profile(rt: Runtime, actor: Actor, user_id: str) -> User:
    with rt.reading() as uow:
        return _user(uow.session, actor, user_id)


def _like(pattern: str):
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.DOTALL)


def groups(rt: Runtime, actor: Actor, params: dict, sorting: tuple = ()) -> list[Group]:
    """The roles, filtered as Camunda filters groups (`member`: the groups of a user in scope)."""
    actor.require("case.read")
    found = [Group(gid, name) for gid, name in ROLE_NAMES.items()]
    if params.get("member") is not None:  # a user outside the actor's scope (or none) is in no group they see
        with rt.reading() as uow:
            user = uow.session.scalar(select(User).where(User.username == params["member"], User.active.is_(True)))
        mine = set(user.groups) if user is not None and actor.scope.covers(user.org_path) else set()
        found = [g for g in found if g.id in mine]
    checks = {"id": lambda g, v: g.id == v, "idIn": lambda g, v: g.id in v, "name": lambda g, v: g.name == v,
              "nameLike": lambda g, v: _like(v).fullmatch(g.name) is not None, "type": lambda g, v: g.type == v}
    for name, check in checks.items():
        if params.get(name) is not None:
            found = [g for g in found if check(g, params[name])]
    for by, order in reversed(sorting or (("id", "asc"),)):
        found.sort(key=lambda g, by=by: getattr(g, by), reverse=order == "desc")
    return found


def group(rt: Runtime, actor: Actor, group_id: str) -> Group:
    found = groups(rt, actor, {"id": group_id})
    if not found:
        raise NotFound(f"组 {group_id} 不存在", field="id")
    return found[0]


def groups_of(rt: Runtime, actor: Actor, user_id: str) -> list[Group]:
    """A user's groups (Camunda GET /identity/groups)."""
    return groups(rt, actor, {"member": user_id})
