"""The floor: the bare engine (app.engine, no database, no HTTP) running 低保 cases in memory on one core.

Each step completes a task (or fires the timer) and serializes the workflow, as the service
must; the figure is user-task completions per second of CPU time in this one process. The
engine gets the data the service would give it: each form's validated output (defaults
filled in), worked out once before the clock starts.
"""

import json
import time
from pathlib import Path

from app.domain.county_settings import defaults
from app.engine.changes import Definition
from app.engine.functions import FunctionContext
from app.engine.parser import parse_bpmn_files
from app.engine.runner import CaseRun
from app.engine.spiff_compat import install as install_spiff_compat
from app.services.calendar import official_calendar
from app.services.forms import validate_submission

from .dibao_path import STEPS, USER_TASKS

ROOT = Path(__file__).parent.parent


def _definition() -> Definition:
    folder = ROOT / "workflows"
    bpmn = {p.name: p.read_bytes() for p in folder.glob("*.bpmn")}  # with the processes 低保 calls
    dmn = {p.name: p.read_bytes() for p in folder.glob("*.dmn")}
    process = next(p for p in parse_bpmn_files(bpmn, dmn) if p.key == "dibao")
    return Definition("dibao:bench", process.spec, process.activities)


def _form(definition: Definition, activity: str) -> dict | None:
    meta = definition.activities.get(activity)
    key = meta and (meta.form_ref or meta.form_key)
    path = ROOT / "forms" / f"{key}.form"
    return json.loads(path.read_text()) if key and path.exists() else None


class Inputs:
    """Each step's engine input: validated by its form on the first case, reused after."""

    def __init__(self, definition: Definition, calendar):
        self.definition, self.calendar, self.known = definition, calendar, {}

    def of(self, activity: str, submitted: dict, case_data: dict, moment) -> dict:
        if activity not in self.known:
            form = _form(self.definition, activity)
            self.known[activity] = submitted if form is None else validate_submission(
                form, submitted, case_data, FunctionContext(moment, self.calendar))
        return self.known[activity]


def run_case(definition: Definition, inputs: Inputs, moment, reload: bool = False) -> int:
    """Run one case from start to payment; return the bytes serialized along the way. With `reload`, each step
    runs on the workflow restored from the state the step before stored, as a stateless service's command does."""
    run = CaseRun(definition, inputs.calendar, moment).create(defaults())
    changes = run.run()
    stored, waiting = len(changes.state), {}
    for activity, _, submitted in STEPS:
        waiting.update({t.activity_id: t.id for t in changes.opened})
        waiting.update({t.activity_id: t.id for t in changes.timers_set})
        if reload:
            run = CaseRun(definition, inputs.calendar, moment).load(changes.state)
        if activity == "publicity":
            changes = run.fire_timer(waiting.pop(activity))
        else:
            if activity == "payment":
                submitted = {"first_payment_month": changes.variables["payment_from"]}
            variables = inputs.of(activity, submitted, changes.variables, moment)
            changes = run.complete_task(waiting.pop(activity), variables)
        stored += len(changes.state)
    return stored


def measure(seconds: float = 20.0, reload: bool = False) -> dict:
    """Run cases for about `seconds` of CPU time; return user-task steps per CPU second."""
    from app.domain import clock

    install_spiff_compat()
    definition = _definition()
    inputs = Inputs(definition, official_calendar())
    run_case(definition, inputs, clock.now())  # validates each form once and warms the spec cache
    cases, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        run_case(definition, inputs, clock.now(), reload)
        cases += 1
    elapsed = time.process_time() - started
    return {"cases": cases, "cpu_seconds": round(elapsed, 2),
            "steps_per_second": round(cases * USER_TASKS / elapsed, 1),
            "cases_per_second": round(cases / elapsed, 2)}
