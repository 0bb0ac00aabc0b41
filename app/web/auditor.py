"""审计: find a case, read its event log as a timeline, step through its state event by event, verify histories."""

from flask import Blueprint, render_template, request

from app.services.audit import verify_all, verify_case
from app.services.case_history import case_log, shown_event_inputs, state_at
from app.services.catalogue import definition_source
from app.services.page_reads import find_cases, finished_by
from app.services.payroll.reads import page_payments

from .auth import login_required, require, runtime
from .facts import variable_labels

bp = Blueprint("auditor", __name__, url_prefix="/auditor")

RECENT = 20


@bp.get("")
@login_required
def index():
    """Search cases by business key or case id; without a search, list the newest cases in scope."""
    actor = require("audit.verify")
    q = request.args.get("q", "").strip()
    cases = find_cases(runtime(), actor, q, RECENT if not q else 200)
    return render_template("auditor/index.html", cases=cases, q=q)


@bp.get("/verify")
@login_required
def verify():
    """Verify every case history in scope and list the failures."""
    actor = require("audit.verify")
    verdicts = list(verify_all(runtime(), actor))
    return render_template("auditor/verify.html", total=len(verdicts), failed=[v for v in verdicts if not v.ok])


@bp.get("/cases/<case_id>")
@login_required
def case(case_id: str):
    """Show a case's event log as a timeline with its verification result."""
    actor = require("audit.verify")
    log = case_log(runtime(), actor, case_id)
    events = [(e, *shown_event_inputs(log.view, e)) for e in log.events]
    return render_template("auditor/case.html", instance=log.instance, events=events,
                           verdict=verify_case(runtime(), actor, case_id),
                           payments=page_payments(runtime(), actor, case_id))


@bp.get("/cases/<case_id>/events/<int:seq>")
@login_required
def replay_step(case_id: str, seq: int):
    """Show the case as it stood right after event `seq`, rebuilt by replaying the log."""
    actor = require("audit.verify")
    found = state_at(runtime(), actor, case_id, seq)
    source = definition_source(runtime(), actor, found.instance.definition_id)
    done = finished_by(runtime(), actor, case_id, found.event.at)
    labels = variable_labels(runtime())
    inputs, changed = shown_event_inputs(found.view, found.event)
    waiting = [t["activityId"] for t in found.snapshot.open_tasks] + [w["activityId"] for w in found.snapshot.waiting]
    return render_template("auditor/replay.html", found=found, source=source, inputs=inputs, changed=changed,
                           variables=found.variables, labels=labels,
                           marks={"done": sorted(done - set(waiting)), "waiting": waiting})

