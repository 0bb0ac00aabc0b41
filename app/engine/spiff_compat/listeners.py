"""Camunda task and execution listeners and output parameters, run from SpiffWorkflow's task life cycle.

Every task passes `TaskSpec._on_ready` (execution listener `start`, task listener `create`) and
`TaskSpec._on_complete` (task listener `complete`, output parameters, execution listener `end`), and no task spec
of SpiffWorkflow overrides them. SpiffWorkflow's own signals (`ready_event`, `completed_event`) are emitted only by
the base hooks, which its BPMN specs override, and output parameters must be set before the next tasks inherit
the data: so the two methods are wrapped once.
"""

from functools import wraps
from typing import Any

from SpiffWorkflow.specs.base import TaskSpec

from ..extensions import LISTENERS, LOCALS, OUTPUTS, evaluate_in

# the SpiffWorkflow code this was written against, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {
    "SpiffWorkflow.specs.base.TaskSpec._on_ready": "c0c43ec078d31a59",
    "SpiffWorkflow.specs.base.TaskSpec._on_complete": "95d4b21bfa422d45",
}


def run_listeners(spec: Any, my_task: Any, events: tuple[str, ...]) -> None:
    """Run the scripts of a task's listeners on `events`, in the diagram's order."""
    listeners = (getattr(spec, "extensions", None) or {}).get(LISTENERS)
    if not listeners:
        return
    for event in events:
        for script in listeners.get(event, []):
            my_task.workflow.script_engine.execute(my_task, script)


def set_outputs(spec: Any, my_task: Any) -> None:
    """Set a task's output parameters into its data; they read its local variables (a call activity's) first."""
    outputs = (getattr(spec, "extensions", None) or {}).get(OUTPUTS)
    local = my_task.internal_data.pop(LOCALS, None) or {}  # a call activity's local variables end with it
    for name, expression in (outputs or {}).items():
        my_task.data[name] = evaluate_in(my_task, expression, {**dict(my_task.data), **local})


def install() -> None:
    """Run listeners and output parameters as every task becomes ready and completes."""
    on_ready, on_complete = TaskSpec._on_ready, TaskSpec._on_complete

    @wraps(on_ready)
    def listening_on_ready(self: TaskSpec, my_task: Any) -> Any:
        run_listeners(self, my_task, ("start", "create"))
        return on_ready(self, my_task)

    @wraps(on_complete)
    def listening_on_complete(self: TaskSpec, my_task: Any) -> Any:
        run_listeners(self, my_task, ("complete",))
        set_outputs(self, my_task)
        run_listeners(self, my_task, ("end",))
        return on_complete(self, my_task)

    TaskSpec._on_ready = listening_on_ready
    TaskSpec._on_complete = listening_on_complete
