"""A subworkflow runs the spec of the definition it belongs to, not only the case's.

SpiffWorkflow keeps one flat map of subprocess specs per workflow, by name, and looks a subworkflow's spec up there
when it starts one (`BpmnWorkflow.create_subprocess`, after `SubWorkflowTask.start_workflow` checks the name is
there). A call bound when it starts (app/engine/binding.py) runs another definition's process, whose embedded
subprocesses and calls are that definition's: both are given the spec `binding.spec_for` finds. (Restoring a stored
subworkflow does the same through the state codec, app/engine/spiff_compat/converters.py.)
"""

from functools import wraps
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from ..binding import spec_for

# the SpiffWorkflow code this was written against, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {
    "SpiffWorkflow.bpmn.workflow.BpmnWorkflow.create_subprocess": "d29d0ee4716cc3ba",
    "SpiffWorkflow.bpmn.specs.mixins.subworkflow_task.SubWorkflowTask.start_workflow": "93da1e43384ab5bd",
}


def create_subprocess(self: Any, my_task: Any, spec_name: str) -> Any:
    """SpiffWorkflow's, with the spec of the definition the task belongs to."""
    subprocess = BpmnSubWorkflow(spec_for(self, my_task, spec_name), parent_task_id=my_task.id, top_workflow=self)
    self.subprocesses[my_task.id] = subprocess
    return subprocess


def start_workflow(self: Any, my_task: Any) -> None:
    """SpiffWorkflow's, checking the spec among those of the definition the task belongs to."""
    top = my_task.workflow.top_workflow
    if spec_for(top, my_task, self.spec) is None:
        my_task.error()
        raise WorkflowTaskException(self.get_missing_subworkflow_error(my_task), task=my_task)
    subworkflow = top.create_subprocess(my_task, self.spec)
    subworkflow.completed_event.connect(self._on_subworkflow_completed, my_task)
    self.copy_data(my_task, subworkflow)
    start = subworkflow.get_next_task(spec_name="Start")
    start.run()


def install() -> None:
    """Look subworkflow specs up by the definition each task belongs to."""
    BpmnWorkflow.create_subprocess = wraps(BpmnWorkflow.create_subprocess)(create_subprocess)
    SubWorkflowTask.start_workflow = wraps(SubWorkflowTask.start_workflow)(start_workflow)
