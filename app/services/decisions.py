"""Deployed decisions, found and evaluated outside a case (what Camunda's decision-definition resources serve).

Every deployed DMN file is one version of each decision it defines: a decision's versions count per key
(and county, as Camunda's per tenant) in the order they were deployed; its id is `key:version:resource`.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import EngineFailure, NotFound
from app.domain.orgs import tenant_of
from app.engine.decisions import DecisionError, decision_graph, evaluate_decision, output_types, parse_decisions
from app.engine.expressions import ExpressionError, bounded, evaluate_compiled, to_storable
from app.engine.feel import FEEL_FUNCTIONS
from app.engine.functions import FunctionContext
from app.engine.parser import read_xml
from app.store.tables import Deployment, Resource

from .runtime import Runtime


@dataclass(frozen=True)
class DecisionDefinition:
    """One version of a deployed decision (Camunda's DecisionDefinitionDto)."""

    id: str
    key: str
    name: str
    version: int
    deployment_id: str
    resource_id: str
    resource_name: str
    deployed_at: datetime
    tenant_id: str | None


def _dmn_resources(session: Session) -> list:
    return session.execute(select(Resource.id, Resource.name, Resource.content, Deployment.id.label("deployment_id"),
                                  Deployment.deployed_at, Deployment.tenant_id).join(Deployment)
                           .where(Resource.name.like("%.dmn")).order_by(Deployment.deployed_at, Deployment.id,
                                                                        Resource.name)).all()


def _visible(actor: Actor, tenant_id: str | None) -> bool:
    own = tenant_of(actor.org_path)
    return own is None or tenant_id is None or tenant_id == own


def decision_definitions(rt: Runtime, actor: Actor) -> list[DecisionDefinition]:
    """Every version of every deployed decision the actor may see, in the order deployed."""
    actor.require("definition.read")
    with rt.reading() as uow:
        rows = _dmn_resources(uow.session)
    versions: dict[tuple[str, str | None], int] = {}
    found = []
    for row in rows:
        for key, decision in parse_decisions(read_xml(row.content, row.name), row.name).items():
            version = versions[key, row.tenant_id] = versions.get((key, row.tenant_id), 0) + 1
            if _visible(actor, row.tenant_id):
                found.append(DecisionDefinition(f"{key}:{version}:{row.id}", key, decision["name"], version,
                                                row.deployment_id, row.id, row.name, row.deployed_at, row.tenant_id))
    return found


def decision_definition(rt: Runtime, actor: Actor, definition_id: str | None = None,
                        key: str | None = None) -> DecisionDefinition:
    """One version by id, or the latest version of a key (a county's own before the shared one, as Camunda's
    `key` lookup without a tenant finds the only one the caller may see)."""
    every = decision_definitions(rt, actor)
    if definition_id is not None:
        matches = [d for d in every if d.id == definition_id]
        if not matches:
            raise NotFound(f"没有决策定义 id={definition_id}", field="id")
        return matches[0]
    matches = [d for d in every if d.key == key]
    if not matches:
        raise NotFound(f"没有已部署的决策 key={key}", field="key")
    return max(matches, key=lambda d: (d.tenant_id is not None, d.version))


def decision_xml(rt: Runtime, actor: Actor, definition: DecisionDefinition) -> str:
    """The DMN file that defines this version, as deployed."""
    with rt.reading() as uow:
        content = uow.session.scalar(select(Resource.content).where(Resource.id == definition.resource_id))
    return content.decode("utf-8")


def evaluate_deployed_decision(rt: Runtime, actor: Actor, key: str | None, variables: dict,
                               definition_id: str | None = None) -> list[dict]:
    """Evaluate a deployed decision on `variables` — one version by `definition_id`, else the latest of `key`:
    one dict of output name -> value per matched rule (Camunda's result list of `POST
    /decision-definition/key/{key}/evaluate`)."""
    return evaluate_typed(rt, actor, key, variables, definition_id)[0]


def evaluate_typed(rt: Runtime, actor: Actor, key: str | None, variables: dict,
                   definition_id: str | None = None) -> tuple[list[dict], dict[str, str]]:
    """`evaluate_deployed_decision`'s results, and the Camunda type of each output whose JSON value does not say
    it (a date output: Date)."""
    actor.require("decision.evaluate")
    definition = decision_definition(rt, actor, definition_id, key)
    with rt.reading() as uow:
        row = uow.session.execute(select(Resource.name, Resource.content)
                                  .where(Resource.id == definition.resource_id)).one()
    decisions = parse_decisions(read_xml(row.content, row.name), row.name)
    key = definition.key
    context = FunctionContext(clock.now(), rt.calendar_for(actor.org_path))
    try:
        results = bounded(lambda: evaluate_decision(decision_graph(decisions, key), key, dict(variables),
                                                    lambda src, names: evaluate_compiled(src, names, context,
                                                                                         FEEL_FUNCTIONS)))
    except (DecisionError, ExpressionError) as err:
        raise EngineFailure(f"决策 {key}：{err}", element=key) from err
    return [to_storable(result) for result in results], output_types(decisions, key)
