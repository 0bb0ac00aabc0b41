"""Task spec classes this service adds to SpiffWorkflow's Camunda flavour."""

from SpiffWorkflow.bpmn.specs.defaults import (
    ManualTask,
    NoneTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    ServiceTask,
)


class ExternalServiceTask(ServiceTask):
    """A Camunda external task: waits until a worker fetches, locks and completes it."""

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = True

    def _run_hook(self, my_task):
        # The worker has done the work; a None result would leave the task STARTED.
        return True


class CollectingParallelMultiInstanceTask(ParallelMultiInstanceTask):
    """A parallel multi-instance whose instances each add one item to an output collection."""


class CollectingSequentialMultiInstanceTask(SequentialMultiInstanceTask):
    """A sequential multi-instance whose instances each add one item to an output collection."""


class PassThroughTask(NoneTask):
    """A `bpmn:task`: Camunda 7 passes through it without waiting (SpiffWorkflow's NoneTask waits)."""

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class PassThroughManualTask(ManualTask):
    """A `bpmn:manualTask`: done outside any system, so Camunda 7 passes through it without waiting."""

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False
