"""Process-instance modification (POST /process-instance/{id}/modification, /modification/execute)."""

from flask import Blueprint

from app.domain.errors import ValidationFailed
from app.engine.moves import Instruction
from app.services.commands import Typed
from app.services.modification import Modification, modify_case, modify_cases

from .schemas import InstanceModificationBody, ModificationBody
from .support import accepts, actor, body, runtime
from .variables import parse

bp = Blueprint("modification", __name__, url_prefix="/modification")


def _instruction(index: int, data: dict, case_id: str | None, types: dict, contents: list) -> Instruction:
    where = f"instructions[{index}]"
    if data["ancestorActivityInstanceId"] not in (None, case_id):
        raise ValidationFailed("ancestorActivityInstanceId 只能是案件本身（本服务只移动流程本身的活动）",
                               field=f"{where}.ancestorActivityInstanceId")
    given = {}
    for name, value in (data["variables"] or {}).items():
        if isinstance(value, dict) and value.get("local"):
            raise ValidationFailed("局部变量（local）不受支持", field=f"{where}.variables.{name}.local")
        given[name] = {k: v for k, v in value.items() if k != "local"} if isinstance(value, dict) else value
    parsed = parse(given, f"{where}.variables")
    types.update(parsed.types)
    contents.extend(parsed.contents)
    return Instruction(data["type"], data["activityId"], data["activityInstanceId"], parsed.values)


def modification(data: dict, case_id: str | None = None) -> Modification:
    """Read a modification body: its instructions with their typed variables, and its annotation."""
    types, contents = {}, []
    instructions = tuple(_instruction(i, item, case_id, types, contents) for i, item in enumerate(data["instructions"]))
    return Modification(instructions, Typed(types, tuple(contents)), data["annotation"])


@bp.post("/execute")
@accepts(body=ModificationBody)
def execute():
    """Carry out the same instructions on each case named, all or none."""
    data = body()
    modify_cases(runtime(), actor(), data["processDefinitionId"], data["processInstanceIds"], modification(data))
    return "", 204


def modify_instance(instance_id: str):
    """Carry out the instructions on one case."""
    modify_case(runtime(), actor(), instance_id, modification(body(InstanceModificationBody), instance_id))
    return "", 204
