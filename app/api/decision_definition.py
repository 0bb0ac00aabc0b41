"""/decision-definition: list deployed decisions, read one (by id, or the latest version of a key), its DMN XML
and diagram, and evaluate it on given inputs (Camunda's decision service)."""

from flask import Blueprint, jsonify

from app.services import decisions
from app.services.decisions import DecisionDefinition

from .queries import register_list
from .schemas import EvaluateDecisionBody
from .support import accepts, actor, body, runtime
from .variables import parse, to_camunda

bp = Blueprint("decision_definition", __name__, url_prefix="/decision-definition")


def shape(row: DecisionDefinition) -> dict:
    """Camunda's DecisionDefinitionDto (decision requirements definitions are not served: null)."""
    return {"id": row.id, "key": row.key, "category": None, "name": row.name, "version": row.version,
            "resource": row.resource_name, "deploymentId": row.deployment_id,
            "decisionRequirementsDefinitionId": None, "decisionRequirementsDefinitionKey": None,
            "tenantId": row.tenant_id, "versionTag": None, "historyTimeToLive": None}


register_list(bp, "", "decision-definition", shape, post=False)


@bp.get("/key/<key>")
@bp.get("/<definition_id>")
def get_definition(key: str | None = None, definition_id: str | None = None):
    return jsonify(shape(decisions.decision_definition(runtime(), actor(), definition_id, key)))


@bp.get("/key/<key>/xml")
@bp.get("/<definition_id>/xml")
def definition_xml(key: str | None = None, definition_id: str | None = None):
    definition = decisions.decision_definition(runtime(), actor(), definition_id, key)
    return jsonify({"id": definition.id, "dmnXml": decisions.decision_xml(runtime(), actor(), definition)})


@bp.get("/key/<key>/diagram")
@bp.get("/<definition_id>/diagram")
def diagram(key: str | None = None, definition_id: str | None = None):
    """No diagram image is deployed with a decision here: 204, as Camunda answers then."""
    decisions.decision_definition(runtime(), actor(), definition_id, key)
    return "", 204


@bp.post("/key/<key>/evaluate")
@bp.post("/<definition_id>/evaluate")
@accepts(body=EvaluateDecisionBody)
def evaluate(key: str | None = None, definition_id: str | None = None):
    """One map of typed output values per matched rule (Camunda's evaluate result)."""
    inputs = parse(body()["variables"]).values
    results, types = decisions.evaluate_typed(runtime(), actor(), key, inputs, definition_id)
    declared = {name: {"type": kind} for name, kind in types.items()}
    return jsonify([to_camunda(result, declared) for result in results])
