"""A multi-instance over a collection larger than a cardinality may be is refused before any instance exists.

SpiffWorkflow 3.2's parallel and sequential multi-instance tasks (and Camunda's, which its parser creates without
a class to replace) reach `MultiInstanceTask._update_hook` through `super()` before creating their instances;
`MultiInstanceTask` has no hook of its own, so the inherited one is given to it here.
"""

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from ..functions import MAX_RANGE as MAX_INSTANCES

# the SpiffWorkflow code this was written against, by the sha256 of its source (tests/unit/test_spiff_compat.py)
RELIES_ON = {
    "SpiffWorkflow.bpmn.specs.mixins.multiinstance_task.ParallelMultiInstanceTask._update_hook": "7296e62b04c81773",
    "SpiffWorkflow.bpmn.specs.mixins.multiinstance_task.SequentialMultiInstanceTask._update_hook": "f1f30b1fbc0b5183",
    "SpiffWorkflow.camunda.specs.multiinstance_task.ParallelMultiInstanceTask._update_hook": "25280d27b18acfff",
    "SpiffWorkflow.camunda.specs.multiinstance_task.SequentialMultiInstanceTask._update_hook": "25280d27b18acfff",
}


def capped_update_hook(self: Any, my_task: Any) -> Any:
    """Refuse a multi-instance over a collection larger than a cardinality may be, before any instance exists."""
    collection: Any = self.data_input.get(my_task) if self.data_input is not None and self.data_input.exists(
        my_task) else None
    if hasattr(collection, "__len__") and len(collection) > MAX_INSTANCES:
        raise WorkflowTaskException(f"多实例集合 {self.data_input.bpmn_id} 有 {len(collection)} 项，"
                                    f"超出 {MAX_INSTANCES} 上限", task=my_task)
    return super(MultiInstanceTask, self)._update_hook(my_task)


def install() -> None:
    """Cap the collection a multi-instance task runs over."""
    if "_update_hook" in vars(MultiInstanceTask):
        raise RuntimeError("SpiffWorkflow's MultiInstanceTask now has an _update_hook: review the collection cap")
    MultiInstanceTask._update_hook = capped_update_hook
