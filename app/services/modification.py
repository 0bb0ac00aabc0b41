"""Move a running case to another step (Camunda's process-instance modification): a supervisor starts a step
before or after an activity and cancels the activity instance that is stuck. Each is one case event that
replay re-runs (registry MODIFICATION); a case left with no active step ends cancelled, as in Camunda.
"""

from dataclasses import dataclass

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import ValidationFailed
from app.engine.moves import CANCEL, Instruction
from app.store.tables import ProcessInstance

from .case_commands import run_command
from .case_data import case_in_scope, cases_in_scope
from .commands import Typed
from .inputs import refuse_repair_of
from .registry import MODIFICATION, Issued, ModificationInputs
from .runtime import Runtime
from .typed import keep_typed


@dataclass(frozen=True)
class Modification:
    """What to do to the cases: the instructions in order, the variables' declared types, and why."""

    instructions: tuple[Instruction, ...]
    typed: Typed = Typed()
    annotation: str | None = None


def _check(modification: Modification) -> None:
    if not modification.instructions:
        raise ValidationFailed("须给出至少一条指令", field="instructions")
    for index, instruction in enumerate(modification.instructions):
        if instruction.type != CANCEL and not instruction.activity_id:
            raise ValidationFailed("开始指令须给出 activityId", field=f"instructions[{index}].activityId")
        if instruction.type == CANCEL and not (instruction.activity_id or instruction.activity_instance_id):
            raise ValidationFailed("取消指令须给出 activityId 或 activityInstanceId",
                                   field=f"instructions[{index}].activityId")
        for name in instruction.variables:
            try:
                refuse_repair_of({name: None})
            except ValidationFailed as err:
                raise ValidationFailed(err.message, field=f"instructions[{index}].variables.{name}") from err


def _modify(rt: Runtime, session, actor: Actor, instance: ProcessInstance, modification: Modification) -> None:
    first = modification.instructions[0]
    inputs = ModificationInputs([i.to_json() for i in modification.instructions], modification.annotation)
    run_command(rt, session, instance, Issued(MODIFICATION, inputs, actor, clock.now(), first.activity_id))
    keep_typed(session, instance, modification.typed)


def modify_case(rt: Runtime, actor: Actor, instance_id: str, modification: Modification) -> None:
    """Carry out the instructions on one running case (POST /process-instance/{id}/modification)."""
    actor.require("case.modify")
    _check(modification)
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, instance_id)
        _modify(rt, uow.session, actor, instance, modification)
        uow.commit()


def modify_cases(rt: Runtime, actor: Actor, definition_id: str, instance_ids: list[str],
                 modification: Modification) -> None:
    """Carry out the same instructions (by activity id) on each case named, all of `definition_id`, in one
    transaction: every case moves or none does (POST /modification/execute)."""
    actor.require("case.modify")
    _check(modification)
    for index, instruction in enumerate(modification.instructions):
        if instruction.activity_instance_id:
            raise ValidationFailed("批量调整只能按 activityId 指定活动",
                                   field=f"instructions[{index}].activityInstanceId")
    if not instance_ids:
        raise ValidationFailed("须给出 processInstanceIds", field="processInstanceIds")
    with rt.unit_of_work() as uow:
        for instance in cases_in_scope(uow.session, actor, instance_ids):
            if instance.definition_id != definition_id:
                raise ValidationFailed(f"案件 {instance.id} 不属于流程定义 {definition_id}",
                                       field="processInstanceIds")
            _modify(rt, uow.session, actor, instance, modification)
        uow.commit()
