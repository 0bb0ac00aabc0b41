"""New task ids and state-change stamps from the command (app/engine/determinism.py), not uuid4() and time.time().

SpiffWorkflow creates tasks with `Task(...)` in its own code and offers no task class or id factory to replace,
so the two names its task module calls are rebound: `uuid4` (Task.__init__) and `time` (Task.__init__,
Task._set_state).
"""

from types import SimpleNamespace

from SpiffWorkflow import task as spiff_task

from ..determinism import new_task_id, state_change_time

# the SpiffWorkflow code this was written against, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {
    "SpiffWorkflow.task.Task.__init__": "5d98d6df6c602dfb",
    "SpiffWorkflow.task.Task._set_state": "86c4c1d22dc9b70f",
}


def install() -> None:
    """Make SpiffWorkflow's task module take ids and times from the command."""
    spiff_task.uuid4 = new_task_id
    spiff_task.time = SimpleNamespace(time=state_change_time)
