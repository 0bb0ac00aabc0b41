"""Lists of deployments, message subscriptions and users, as Camunda filters them."""

from operator import ge, le
from typing import Any

from sqlalchemy import String, cast, false, literal, select

from app.domain.actors import Actor
from app.domain.orgs import child_path

from .listing import Filter, Listing, equal, like, moment, never, one_of, tenants, visible_tenant, when_true
from .tables import Deployment, EventSubscription, User
from .tenancy import in_scope

DEPLOYMENTS = Listing(
    lambda actor: select(Deployment).where(visible_tenant(actor, Deployment.tenant_id)),
    {"id": equal(Deployment.id), "name": equal(Deployment.name), "nameLike": like(Deployment.name),
     "source": equal(Deployment.source), "withoutSource": when_true(Deployment.source.is_(None)),
     **tenants(Deployment.tenant_id, "includeDeploymentsWithoutTenantId"),
     "after": moment(Deployment.deployed_at, ge), "before": moment(Deployment.deployed_at, le)},
    {"id": Deployment.id, "name": Deployment.name, "deploymentTime": Deployment.deployed_at,
     "tenantId": Deployment.tenant_id},
    (Deployment.deployed_at, Deployment.id), permission="definition.read")

_S = EventSubscription
EVENT_SUBSCRIPTIONS = Listing(
    lambda actor: select(_S).where(in_scope(_S, actor)),
    {"eventSubscriptionId": Filter("string", lambda v: (_S.task_id + literal(":") + _S.event_name) == v),
     "eventName": equal(_S.event_name),
     "eventType": equal(_S.event_type),
     "executionId": equal(_S.process_instance_id), "processInstanceId": equal(_S.process_instance_id),
     "activityId": equal(_S.activity_id), **tenants(_S.tenant_id, "includeEventSubscriptionsWithoutTenantId")},
    {"created": _S.created, "tenantId": _S.tenant_id},
    (_S.created, _S.task_id, _S.event_name), permission="case.read")


def _member_of(group: str) -> Any:
    """A user of the group (their groups are kept as a JSON list of names)."""
    return cast(User.groups, String).like(f'%"{group}"%')


def _member_of_tenant(tenant: str) -> Any:
    """A user of the county (tenant) `tenant`: their unit lies in it, as tenant_of reads it; a province user is a
    member of none (they see every county's data by their scope, not by membership)."""
    if not tenant or "/" in tenant:
        return false()  # no county's code
    return User.org_path.startswith(child_path("", tenant), autoescape=True)


def _users(actor: Actor) -> Any:
    return select(User).where(User.active.is_(True), in_scope(User, actor))


USERS = Listing(
    _users,
    {"id": equal(User.username), "idIn": one_of(User.username),
     "firstName": equal(User.display_name), "firstNameLike": like(User.display_name),
     "lastName": never(), "lastNameLike": never(), "email": never(), "emailLike": never(),  # not kept here
     "memberOfGroup": Filter("string", _member_of), "memberOfTenant": Filter("string", _member_of_tenant)},
    {"userId": User.username, "firstName": User.display_name, "lastName": None, "email": None},
    (User.username,), permission="case.read")
