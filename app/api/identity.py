"""/user, /group and /identity/groups, read from the organisation (users and their roles)."""

from flask import Blueprint, jsonify

from app.services import identity
from app.services.lists import ListQuery, list_rows

from . import dto
from .queries import LIST_ROUTES, register_list
from .schemas import GroupCountArgs, GroupQueryArgs, GroupQueryBody, IdentityGroupsArgs, PageOnlyArgs
from .support import accepts, actor, args, body, runtime

user_bp = Blueprint("user", __name__, url_prefix="/user")
group_bp = Blueprint("group", __name__, url_prefix="/group")
identity_bp = Blueprint("identity", __name__, url_prefix="/identity")
register_list(user_bp, "", "user", dto.user_profile, post=False)
# groups are the roles, filtered in memory; their POST is a query too
LIST_ROUTES["/group"] = (lambda paged: GroupQueryArgs() if paged else GroupCountArgs(), lambda: GroupQueryBody())


@user_bp.get("/<user_id>/profile")
def profile(user_id: str):
    return jsonify(dto.user_profile(identity.user_profile(runtime(), actor(), user_id)))


def _page(groups: list, page: dict) -> list:
    first, limit = page.get("firstResult") or 0, page.get("maxResults")
    return groups[first:] if limit is None else groups[first:first + limit]


@group_bp.get("")
@accepts(query=GroupQueryArgs)
def groups():
    params = args()
    page = {k: params.pop(k, None) for k in ("firstResult", "maxResults")}
    by, order = params.pop("sortBy", None), params.pop("sortOrder", None)
    found = identity.groups(runtime(), actor(), params, ((by, order),) if by else ())
    return jsonify([dto.group(g) for g in _page(found, page)])


@group_bp.post("")
@accepts(body=GroupQueryBody, query=PageOnlyArgs)
def query_groups():
    params, page = body(), args()
    sorting = tuple((s["sortBy"], s["sortOrder"]) for s in params.pop("sorting", None) or ())
    found = identity.groups(runtime(), actor(), params, sorting)
    return jsonify([dto.group(g) for g in _page(found, page)])


@group_bp.get("/count")
@accepts(query=GroupCountArgs)
def count_groups():
    return jsonify({"count": len(identity.groups(runtime(), actor(), args()))})


@group_bp.post("/count")
@accepts(body=GroupQueryBody)
def count_groups_by_body():
    params = body()
    params.pop("sorting", None)
    return jsonify({"count": len(identity.groups(runtime(), actor(), params))})


@group_bp.get("/<group_id>")
def group(group_id: str):
    return jsonify(dto.group(identity.group(runtime(), actor(), group_id)))


@identity_bp.get("/groups")
@accepts(query=IdentityGroupsArgs)
def groups_of_user():
    """A user's groups, and the users in scope who share one of them (Camunda GET /identity/groups)."""
    user_id = args()["userId"]
    found = identity.groups_of(runtime(), actor(), user_id)
    members = []
    for g in found:
        members += list_rows(runtime(), actor(), ListQuery("user", {"memberOfGroup": g.id}))
    unique = {m.username: m for m in members}
    return jsonify({"groups": [{"id": g.id, "name": g.name} for g in found],
                    "groupUsers": [dto.group_user(u) for u in unique.values()]})
