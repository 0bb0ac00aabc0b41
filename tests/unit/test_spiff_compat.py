"""The changes made to SpiffWorkflow's behaviour (app/engine/spiff_compat), each held to the SpiffWorkflow code it
was written against and to what it must do, on the bare engine: no Flask, no database."""

import hashlib
import importlib
import inspect
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

import pytest

from app import create_app
from app.config import Config
from app.domain.errors import EngineFailure
from app.domain.workcalendar import WorkCalendar
from app.engine import moves, spiff_compat
from app.engine.changes import Changes, Definition
from app.engine.determinism import seed_for
from app.engine.functions import MAX_RANGE
from app.engine.parser import parse_bpmn_files
from app.engine.runner import CaseRun
from app.engine.spiff_compat import converters

spiff_compat.install()  # as create_app does; once per process
MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="compat" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" camunda:candidateGroups="township">
      <bpmn:extensionElements>
        <camunda:taskListener event="create"><camunda:script scriptFormat="python">created = 1</camunda:script>
        </camunda:taskListener>
        <camunda:inputOutput><camunda:outputParameter name="reviewed">${created + 1}</camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="each"/>
    <bpmn:userTask id="each" camunda:candidateGroups="township">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${items}" camunda:elementVariable="item"/>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="each" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def definition():
    process = parse_bpmn_files({"compat.bpmn": DIAGRAM.encode()})[0]
    return Definition("compat:1", process.spec, process.activities)


def _run(definition, seq: int, moment: datetime = MOMENT, state: bytes | None = None) -> CaseRun:
    run = CaseRun(definition, WorkCalendar(), moment, seed_for("case-1", seq, moment))
    return run.load(state) if state is not None else run


def _resolve(name: str):
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            found = getattr(found, part)
        return inspect.unwrap(found)
    raise LookupError(name)


@pytest.mark.parametrize("patch", [*spiff_compat.PATCHES, converters, moves], ids=lambda m: m.__name__.rsplit(".")[-1])
def test_each_patch_meets_the_spiffworkflow_code_it_was_written_against(patch):
    changed = [name for name, digest in patch.RELIES_ON.items()
               if hashlib.sha256(inspect.getsource(_resolve(name)).encode()).hexdigest()[:16] != digest]
    assert changed == [], f"SpiffWorkflow changed under {patch.__name__}: review it against {changed}"


def test_an_untested_spiffworkflow_version_is_refused_by_name():
    with pytest.raises(spiff_compat.UntestedSpiffWorkflow, match="SpiffWorkflow 3.3.0 is installed.*3.2.0"):
        spiff_compat.check_version("3.3.0")
    spiff_compat.check_version("3.2.0")


def test_the_app_factory_refuses_to_start_on_an_untested_version(monkeypatch):
    monkeypatch.setattr(spiff_compat, "_installed", [])
    monkeypatch.setattr(spiff_compat, "SPIFF_VERSION", "4.0.0")
    with pytest.raises(spiff_compat.UntestedSpiffWorkflow):
        create_app(Config(DATABASE_URL="sqlite://", SECRET_KEY="x", TESTING=True, SCHEDULER=False))


def test_the_engine_refuses_to_run_without_the_patches(monkeypatch, definition):
    monkeypatch.setattr(spiff_compat, "_installed", [])
    with pytest.raises(RuntimeError, match="spiff_compat.install"):
        _run(definition, 1)


def test_task_ids_and_state_change_times_come_from_the_command(definition):
    run = _run(definition, 1).create({})
    run.run()
    namespace = seed_for("case-1", 1, MOMENT).namespace
    tasks = list(run.workflow.get_tasks())
    assert {task.id for task in tasks} == {uuid5(namespace, f"1/{n}") for n in range(len(tasks))}
    stamps = sorted(task.last_state_change for task in tasks)
    assert MOMENT.timestamp() + 1e-3 <= stamps[0] and stamps[-1] < MOMENT.timestamp() + 2e-3
    again = _run(definition, 1).create({})
    again.run()
    assert again.run().state == run.run().state  # byte for byte


def test_listeners_and_output_parameters_run_in_the_task_life_cycle(definition):
    run = _run(definition, 1).create({})
    opened = run.run().opened
    assert run.variables()["created"] == 1
    changes = run.complete_task(opened[0].id, {})
    assert changes.variables["reviewed"] == 2


def test_a_due_timer_waits_for_its_job_and_fires_on_the_command_clock(definition):
    run = _run(definition, 1).create({"items": [1, 2]})
    changes = run.complete_task(run.run().opened[0].id, {})
    (timer,) = changes.timers_set
    assert datetime.fromisoformat(timer.due) == MOMENT + timedelta(hours=1)  # the command's moment, not the wall clock
    later = MOMENT + timedelta(hours=2)
    assert _run(definition, 2, later, changes.state).run().timers_cleared == []  # due, but its job has not fired
    fired = _run(definition, 2, later, changes.state).fire_timer(timer.id)
    assert fired.timers_cleared == [timer.id] and len(fired.opened) == 2


def test_a_multi_instance_over_too_large_a_collection_is_refused(definition):
    run = _run(definition, 1).create({"items": list(range(MAX_RANGE + 1))})
    changes = run.complete_task(run.run().opened[0].id, {})
    with pytest.raises(EngineFailure, match="超出"):
        _run(definition, 2, MOMENT + timedelta(hours=2), changes.state).fire_timer(changes.timers_set[0].id)


def test_the_state_codec_restores_what_it_wrote(definition):
    run = _run(definition, 1).create({})
    state = run.run().state
    restored = _run(definition, 2, state=state)
    assert converters.SERIALIZER.to_dict(restored.workflow) == converters.SERIALIZER.to_dict(run.workflow)
    assert all(isinstance(task_id, UUID) for task_id in restored.workflow.tasks)


def test_a_commands_changes_read_back_from_json_as_they_were(definition):
    run = _run(definition, 1).create({"items": [1]})
    changes = run.complete_task(run.run().opened[0].id, {})
    assert changes.timers_set and changes.ended
    assert Changes.from_json(json.loads(json.dumps(changes.to_json()))) == changes
