"""Move a running case's tokens as Camunda's process-instance modification does: start before or after an
activity, cancel an activity instance (a supervisor moving a stuck case on).

Only activities of the case's own process are moved; activities inside an embedded subprocess or a called
process are refused naming the activity, as is an instruction Camunda defines that has no meaning here.
"""

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Self
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from app.domain.errors import Conflict, ValidationFailed

from .observe import ACTIVE

# SpiffWorkflow offers no call to add a token at an activity: a task is hung in the tree and predicted as its own
# reset does; the code this relies on, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {
    "SpiffWorkflow.task.Task._add_child": "05ec96e943da475e",
    "SpiffWorkflow.task.Task.cancel": "16a6cc6f7ea48468",
    "SpiffWorkflow.specs.base.TaskSpec._predict": "e205cac4587d51d4",
    "SpiffWorkflow.specs.base.TaskSpec._update": "6b138d31ca684e6b",
}
CANCEL, START_BEFORE, START_AFTER = "cancel", "startBeforeActivity", "startAfterActivity"
KINDS = (CANCEL, START_BEFORE, START_AFTER)


@dataclass(frozen=True)
class Instruction:
    """One modification instruction, as the case's event stores it."""

    type: str
    activity_id: str | None = None
    activity_instance_id: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)  # set on the case with the token it starts

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "activityId": self.activity_id, "activityInstanceId": self.activity_instance_id,
                "variables": self.variables}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(data["type"], data.get("activityId"), data.get("activityInstanceId"), data.get("variables") or {})


def _where(index: int, name: str) -> str:
    return f"instructions[{index}].{name}"


def _activity_spec(workflow: Any, activity_id: str | None, index: int) -> Any:
    spec = workflow.spec.task_specs.get(activity_id)
    if spec is None or getattr(spec, "bpmn_id", None) != activity_id:
        raise ValidationFailed(f"流程中没有活动 {activity_id}（只能移动到本流程的活动，不含子流程内的活动）",
                               field=_where(index, "activityId"), element=activity_id)
    return spec


def _entry(workflow: Any, spec: Any) -> Any:
    """The spec a token enters `spec` through: its boundary-event split when it has boundary events."""
    return workflow.spec.task_specs.get(f"{spec.name}.BoundaryEventSplit") or spec


def _after(workflow: Any, spec: Any, index: int) -> Any:
    """The one activity the outgoing sequence flow of `spec` leads to (Camunda: exactly one flow)."""
    outputs = [o for o in spec.outputs if not isinstance(o, BoundaryEventJoin)]  # the join waits for boundaries
    if len(outputs) != 1:
        raise ValidationFailed(f"活动 {spec.bpmn_id} 有 {len(outputs)} 条出线，不能在其后开始（须恰好一条）",
                               field=_where(index, "activityId"), element=spec.bpmn_id)
    return outputs[0]


def active_tasks(workflow: Any) -> list[Any]:
    """The case's own process's active BPMN tasks (what Camunda calls its activity instances)."""
    return [t for t in workflow.get_tasks(state=ACTIVE) if getattr(t.task_spec, "bpmn_id", None) is not None]


def has_tokens(workflow: Any) -> bool:
    """Whether anything of the case's own process is still to run (a token just started has not run yet)."""
    return bool(workflow.get_tasks(state=ACTIVE))


def _anchor(workflow: Any) -> Any:
    """Where a new token hangs in the task tree: beside an active token of the case, else after its last step."""
    active = active_tasks(workflow)
    if active:
        return active[0].parent
    return workflow.get_tasks(state=TaskState.COMPLETED)[-1]


def _start(workflow: Any, spec: Any, data: dict[str, Any]) -> None:
    task = _anchor(workflow)._add_child(_entry(workflow, spec), TaskState.FUTURE)
    task.data = deepcopy(data)
    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    task.task_spec._update(task)
    task.data = deepcopy(data)  # the new token carries the case data now, not that of the step it hangs on


def _cancel_task(task: Any) -> None:
    """Cancel one activity instance, with the boundary events attached to it."""
    parent = task.parent
    if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit):
        for sibling in parent.children:
            if sibling.has_state(ACTIVE):
                sibling.cancel()
    else:
        task.cancel()


def _instances(workflow: Any, instruction: Instruction, index: int) -> list[Any]:
    if instruction.activity_instance_id:
        try:
            task = workflow.get_task_from_id(UUID(instruction.activity_instance_id))
        except (ValueError, TaskNotFoundException):
            task = None
        if task is None or not task.has_state(ACTIVE) or task.workflow is not workflow:
            raise ValidationFailed(f"案件中没有活动实例 {instruction.activity_instance_id}（或它不在本流程中）",
                                   field=_where(index, "activityInstanceId"))
        return [task]
    _activity_spec(workflow, instruction.activity_id, index)
    found = [t for t in active_tasks(workflow) if t.task_spec.bpmn_id == instruction.activity_id]
    if not found:
        raise Conflict(f"活动 {instruction.activity_id} 没有进行中的实例可取消")
    return found


def apply(workflow: Any, instruction: Instruction, index: int, data: dict[str, Any]) -> None:
    """Carry out one instruction on `workflow`; `data` is the case data a started token carries."""
    if instruction.type == CANCEL:
        for task in _instances(workflow, instruction, index):
            _cancel_task(task)
        return
    spec = _activity_spec(workflow, instruction.activity_id, index)
    if instruction.type == START_AFTER:
        spec = _after(workflow, spec, index)
    _start(workflow, spec, {**data, **instruction.variables})
