"""The state codec (app/engine/spiff_compat/converters.py) writes and reads a case's state exactly as
SpiffWorkflow's own task converter does: every state that cases of each process path store is checked, as it
is written."""

import json

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.serializer.helpers.bpmn_converter import BpmnConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task

from app.engine import runner
from app.engine.serializer import inflate_state
from app.engine.spiff_compat import converters
from tests.support.scenarios import SCENARIOS


class SpiffState(converters.StateConverter):
    """The state without specs, with SpiffWorkflow's own id conversion."""

    mapping_to_dict = BpmnConverter.mapping_to_dict
    mapping_from_dict = BpmnConverter.mapping_from_dict


SPIFF = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
    {**converters.CONFIG, BpmnWorkflow: SpiffState, Task: TaskConverter}))
OURS = converters.SERIALIZER


def _restored(codec: BpmnWorkflowSerializer, state: bytes, live: BpmnWorkflow) -> BpmnWorkflow:
    dct = json.loads(inflate_state(state))
    dct["spec"], dct["subprocess_specs"] = live.spec, live.subprocess_specs
    dct["bound"] = (live.bound_specs, live.bound_definitions)  # the called versions its calls were bound to
    return codec.from_dict(dct)


def _tasks(workflow: BpmnWorkflow) -> list[tuple]:
    """Every task of the workflow and its subprocesses, in order, with what a step reads of it."""
    return [(str(t.id), str(t._parent), [str(c) for c in t._children], t.state, t.task_spec.name, t.triggered,
             t.last_state_change, t.data, SPIFF.registry.convert(t.internal_data))  # events compare as dicts
            for wf in (workflow, *workflow.subprocesses.values()) for t in wf.tasks.values()]


@pytest.mark.parametrize("scenario", ["dibao approval", "dibao 渐退", "dibao re-check after a death",
                                      "linshi 支出 staged payment", "tekun approval with appraisal",
                                      "referral call activity"])
def test_every_stored_state_is_written_and_read_as_spiffworkflow_would(runtime, login_as, clock, monkeypatch,
                                                                        scenario):
    checked, dump = [], runner.dump_workflow

    def dump_and_compare(workflow):
        state = dump(workflow)
        ours, spiff = OURS.to_dict(workflow), SPIFF.to_dict(workflow)
        checked.append((ours == spiff, _tasks(_restored(OURS, state, workflow)),
                        _tasks(_restored(SPIFF, state, workflow)), _tasks(workflow)))
        return state

    monkeypatch.setattr(runner, "dump_workflow", dump_and_compare)
    drive, extra = SCENARIOS[scenario]
    drive(login_as, clock, *extra)
    assert len(checked) > 5
    for written_alike, read_by_us, read_by_spiff, live in checked:
        assert written_alike
        assert read_by_us == read_by_spiff
        assert [t[:6] for t in read_by_us] == [t[:6] for t in live]  # the tree as it was, not only alike
