"""Task spec classes this service adds to SpiffWorkflow's Camunda flavour."""

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import (
    ManualTask,
    NoneTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    ServiceTask,
)
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin

from .decisions import DecisionError, evaluate_decision, map_result, result_type
from .expressions import ExpressionError, bounded, to_storable


class ExternalServiceTask(ServiceTask):  # type: ignore[misc]  # an untyped base class
    """A Camunda external task: waits until a worker fetches, locks and completes it."""

    def __init__(self, wf_spec: Any, bpmn_id: Any, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = True

    def _run_hook(self, my_task: Any) -> bool:
        # The worker has done the work; a None result would leave the task STARTED.
        return True


class CollectingParallelMultiInstanceTask(ParallelMultiInstanceTask):  # type: ignore[misc]  # an untyped base class
    """A parallel multi-instance whose instances each add one item to an output collection."""


class CollectingSequentialMultiInstanceTask(SequentialMultiInstanceTask):  # type: ignore[misc]  # an untyped base class
    """A sequential multi-instance whose instances each add one item to an output collection."""


class PassThroughTask(NoneTask):  # type: ignore[misc]  # an untyped base class
    """A `bpmn:task`: Camunda 7 passes through it without waiting (SpiffWorkflow's NoneTask waits)."""

    def __init__(self, wf_spec: Any, bpmn_id: Any, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class PassThroughManualTask(ManualTask):  # type: ignore[misc]  # an untyped base class
    """A `bpmn:manualTask`: done outside any system, so Camunda 7 passes through it without waiting."""

    def __init__(self, wf_spec: Any, bpmn_id: Any, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class DecisionTask(BpmnSpecMixin):  # type: ignore[misc]  # an untyped base class
    """A business rule task: the decision it calls (with the decisions that one requires) is evaluated as Camunda 7
    evaluates it, and its result, shaped by `camunda:mapDecisionResult`, is stored in `camunda:resultVariable`
    (without a result variable nothing is stored, as in Camunda)."""

    def __init__(self, wf_spec: Any, bpmn_id: Any, decision: Any = None, decisions: Any = None,
                 result_variable: Any = None, map_result: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision = decision
        self.decisions = decisions or {}
        self.result_variable = result_variable
        self.map_result = map_result

    def declared_type(self) -> str | None:
        """The Camunda type of the result variable when its JSON value does not say it (a Date), else None."""
        return result_type(self.decisions, self.decision, self.map_result) if self.result_variable else None

    def _run_hook(self, my_task: Any) -> bool:
        engine = my_task.workflow.script_engine
        try:
            results = bounded(lambda: evaluate_decision(self.decisions, self.decision, dict(my_task.data),
                                                        engine.evaluate_compiled))
            value = map_result(results, self.map_result, self.bpmn_id)
        except (DecisionError, ExpressionError) as err:
            raise WorkflowTaskException(f"决策 {self.decision}：{err}", task=my_task, exception=err) from err
        if self.result_variable:
            my_task.data[self.result_variable] = to_storable(value)
        return True
