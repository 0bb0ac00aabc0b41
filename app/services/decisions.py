"""Deployed decisions, found and evaluated outside a case (what Camunda's decision-definition resources serve)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import EngineFailure, NotFound
from app.engine.decisions import DecisionError, decision_graph, evaluate_decision, parse_decisions
from app.engine.expressions import ExpressionError, bounded, evaluate_compiled, to_storable
from app.engine.feel import FEEL_FUNCTIONS
from app.engine.functions import FunctionContext
from app.engine.parser import read_xml
from app.store.tables import Deployment, Resource

from .runtime import Runtime


def deployed_decisions(session: Session) -> dict[str, dict]:
    """Every deployed decision by id, as the latest deployment of a file defining it has it."""
    rows = session.execute(select(Resource.name, Resource.content).join(Deployment)
                           .where(Resource.name.like("%.dmn")).order_by(Deployment.deployed_at)).all()
    found: dict[str, dict] = {}
    for name, content in rows:
        found.update(parse_decisions(read_xml(content, name), name))
    return found


def evaluate_deployed_decision(rt: Runtime, actor: Actor, key: str, variables: dict) -> list[dict]:
    """Evaluate the latest deployed decision `key` on `variables`: one dict of output name -> value per matched rule
    (Camunda's result list of `POST /decision-definition/key/{key}/evaluate`)."""
    actor.require("definition.read")
    with rt.reading() as uow:
        decisions = deployed_decisions(uow.session)
    if key not in decisions:
        raise NotFound(f"没有已部署的决策 key={key}", field="key")
    context = FunctionContext(clock.now(), rt.calendar_for(actor.org_path))
    try:
        results = bounded(lambda: evaluate_decision(decision_graph(decisions, key), key, dict(variables),
                                                    lambda src, names: evaluate_compiled(src, names, context,
                                                                                         FEEL_FUNCTIONS)))
    except (DecisionError, ExpressionError) as err:
        raise EngineFailure(f"决策 {key}：{err}", element=key) from err
    return [to_storable(result) for result in results]
