"""Move a running case's state onto another version of its process (Camunda's migration): each active activity
instance keeps its id, data, claim and timers and continues at the activity an instruction maps it to; what lies
ahead of it is predicted again on the new version.

Only a case whose tokens are all in its own process is migrated (not inside an embedded subprocess or a called
process), and every active activity must be mapped to an activity of the target; otherwise it is refused naming
the activity, as Camunda refuses an unmapped activity instance.
"""

import json
from typing import Any

from SpiffWorkflow.util.task import TaskState

from app.domain.errors import ValidationFailed

from .serializer import compress_state, inflate_state

PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR
_SUFFIXES = ("", ".BoundaryEventSplit", ".BoundaryEventJoin")


def _renames(mapping: dict[str, str]) -> dict[str, str]:
    return {source + suffix: target + suffix for source, target in mapping.items() for suffix in _SUFFIXES}


def _prune_predicted(tasks: dict[str, Any]) -> None:
    """Drop what was predicted on the old version (it is predicted again on the new one), leaves first."""
    changed = True
    while changed:
        changed = False
        for task_id, task in list(tasks.items()):
            if task["state"] & PREDICTED and not task["children"]:
                del tasks[task_id]
                parent = tasks.get(task["parent"])
                if parent is not None:
                    parent["children"] = [c for c in parent["children"] if c != task_id]
                changed = True


def moved_state(state: bytes, mapping: dict[str, str], target_specs: dict[str, Any], bpmn_ids: dict[str, str]) -> bytes:
    """Rewrite a stored state's task specs onto the target version's; `bpmn_ids` names each old spec's activity.

    A finished step the target no longer has stays in the tree (its ancestors carry the path taken) under the
    target's start task, which nothing runs again.
    """
    dct = json.loads(inflate_state(state))
    if dct.get("subprocesses"):
        raise ValidationFailed("案件正处在子流程或调用的流程中，不能迁移", field="processInstanceIds")
    renames = _renames(mapping)
    _prune_predicted(dct["tasks"])
    for task in dct["tasks"].values():
        name = renames.get(task["task_spec"], task["task_spec"])
        if name not in target_specs:
            if task["state"] & ACTIVE:
                activity = bpmn_ids.get(task["task_spec"]) or task["task_spec"]
                raise ValidationFailed(f"活动 {activity} 有进行中的实例，但迁移计划没有为它指定目标活动",
                                       field="migrationPlan.instructions", element=activity)
            name = "Start"
        task["task_spec"] = name
    return compress_state(json.dumps(dct, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def predict_ahead(workflow: Any) -> None:
    """Predict again, on the target version, what lies ahead of each active task."""
    for task in workflow.get_tasks(state=ACTIVE):
        if not task.children:
            task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
