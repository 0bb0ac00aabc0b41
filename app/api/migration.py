"""Migration between versions of a process (POST /migration/generate, /validate, /execute, /executeAsync)."""

from flask import Blueprint, jsonify

from app.domain import clock
from app.services.migration import MigrationPlan, generate_plan, migrate_cases, validate_plan

from . import dto
from .schemas import MigrationExecutionBody, MigrationGenerationBody, MigrationPlanBody
from .support import accepts, actor, body, runtime
from .variables import parse

bp = Blueprint("migration", __name__, url_prefix="/migration")


def _instruction(pair: tuple[str, str]) -> dict:
    return {"sourceActivityIds": [pair[0]], "targetActivityIds": [pair[1]], "updateEventTrigger": False}


def _plan(data: dict, where: str) -> MigrationPlan:
    parsed = parse(data["variables"], f"{where}variables")
    pairs = tuple((i["sourceActivityIds"][0], i["targetActivityIds"][0]) for i in data["instructions"])
    return MigrationPlan(data["sourceProcessDefinitionId"], data["targetProcessDefinitionId"], pairs,
                         parsed.values, parsed.typed)


@bp.post("/generate")
@accepts(body=MigrationGenerationBody)
def generate():
    """A plan mapping each activity of the source to the target's of the same id and kind."""
    data = body()
    pairs = generate_plan(runtime(), actor(), data["sourceProcessDefinitionId"], data["targetProcessDefinitionId"])
    return jsonify({"sourceProcessDefinitionId": data["sourceProcessDefinitionId"],
                    "targetProcessDefinitionId": data["targetProcessDefinitionId"],
                    "instructions": [_instruction(p) for p in pairs], "variables": data["variables"] or {}})


@bp.post("/validate")
@accepts(body=MigrationPlanBody)
def validate():
    """The plan's instructions that cannot be carried out, each with its failures."""
    reports = validate_plan(runtime(), actor(), _plan(body(), ""))
    return jsonify({"instructionReports": [{"instruction": _instruction(r.instruction), "failures": list(r.failures)}
                                           for r in reports], "variableReports": {}})


@bp.post("/execute")
@accepts(body=MigrationExecutionBody)
def execute():
    """Migrate the cases named, all or none."""
    data = body()
    migrate_cases(runtime(), actor(), _plan(data["migrationPlan"], "migrationPlan."), data["processInstanceIds"])
    return "", 204


@bp.post("/executeAsync")
@accepts(body=MigrationExecutionBody)
def execute_async():
    """Migrate the cases named, all or none, before answering: Camunda's batch, reported as one already run."""
    data = body()
    started = clock.now()
    moved = migrate_cases(runtime(), actor(), _plan(data["migrationPlan"], "migrationPlan."),
                          data["processInstanceIds"])
    return jsonify(dto.completed_batch("instance-migration", moved, actor().username, started))
