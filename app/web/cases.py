"""案件: the case list, starting a case at the window (新建申请), and one case's diagram, timeline and data."""

from collections import Counter
from pathlib import Path
from uuid import uuid4

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import local
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.services.archived_cases import Archived, archived_with_key
from app.services.attachments import case_attachments
from app.services.cases import start_case
from app.services.commands import CorrelateMessage, StartCase, VoidCase
from app.services.messages import correlate_message
from app.services.page_reads import case_list, case_page, next_task_of, start_choices
from app.services.payroll.reads import page_payments
from app.services.voids import void_case

from .auth import login_required, require, runtime
from .facts import case_facts, words
from .notices import notices_of

bp = Blueprint("cases", __name__, url_prefix="/cases")

PAGE_SIZE = 20
KEY_PREFIXES = {"dibao": "DB", "linshi": "LS", "tekun": "TK"}


@bp.get("")
@login_required
def index():
    """List the cases in my scope, newest first, by process, state and business key; a search by business key
    also names the archived cases that had it."""
    actor = require("case.read")
    args = request.args
    params = {"processDefinitionKey": args.get("process") or None, "businessKey": args.get("q", "").strip() or None,
              "active": {"active": True, "ended": False}.get(args.get("state", ""))}
    page = max(1, args.get("page", 1, type=int) or 1)
    cases, total = case_list(runtime(), actor, params, page, PAGE_SIZE)
    archived = archived_with_key(runtime(), actor, params["businessKey"]) if params["businessKey"] else []
    return render_template("cases.html", cases=cases, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), args=args, archived=archived)


@bp.get("/new")
@login_required
def new():
    """Show the processes I may start and the villages of my unit."""
    actor = require("case.start")
    return render_template("case_new.html", **_start_choices(actor), form={})


def _start_choices(actor: Actor) -> dict:
    definitions, villages = start_choices(runtime(), actor)
    return {"definitions": definitions, "villages": villages}


def _business_key(key: str) -> str:
    return f"{KEY_PREFIXES.get(key, key.upper())}-{local(clock.now()):%Y%m%d}-{uuid4().hex[:6].upper()}"


@bp.post("/new")
@login_required
def create():
    """Start a case and open its first task if it is mine."""
    actor = require("case.start")
    form = request.form
    key = form.get("process", "")
    variables = {"village": form["village"]} if form.get("village") else {}
    try:
        if not key:
            raise ValidationFailed("请选择业务类型", field="process")
        instance = start_case(runtime(), StartCase(actor, key, form.get("business_key", "").strip()
                                                    or _business_key(key), variables))
    except (ValidationFailed, NotFound, Conflict) as err:
        status = 409 if isinstance(err, Conflict) else 422  # a suspended version: its name and whose, in words
        return render_template("case_new.html", **_start_choices(actor), form=form, error=err.message), status
    flash(f"已受理新申请 {instance.business_key}", "success")
    first = next_task_of(runtime(), actor, instance.id)
    target = url_for("tasks.show", task_id=first.id) if first else url_for("cases.show", instance_id=instance.id)
    return redirect(target)


@bp.get("/<instance_id>")
@login_required
def show(instance_id: str):
    """Show one case: its diagram with the path taken, where it waits, its timeline and its data."""
    actor = require("case.read")
    found = case_page(runtime(), actor, instance_id)  # the data logged and masked for the role
    shown, history, tasks, jobs = found.view.variables, found.history, found.tasks, found.jobs
    vocab, process = words(), found.instance.definition_key
    data = {"facts": case_facts(shown, process, vocab), "referrals": _referrals(shown),
            "pending_needs": _pending_needs(shown, history), "documents": shown.get("documents") or [],
            "names": _step_names(vocab, found.instance)}
    return render_template("case.html", instance=found.instance, history=_steps(history), tasks=tasks, jobs=jobs,
                           events=found.events, diagram=_diagram(history, tasks, jobs), actor=actor,
                           bpmn_xml=found.xml.decode("utf-8") if found.xml else "",
                           has_viewer=_has_viewer(), payments=page_payments(runtime(), actor, found.instance.id,
                                                                           found.instance.tenant_id),
                           notices=notices_of(actor, found.view), voided=voided(found.events),
                           in_publicity=any(j.activity_id == "publicity" for j in jobs),
                           attachments=case_attachments(runtime(), actor, found.instance.id),
                           **data)


def _step_names(vocab, instance) -> dict[str, str]:
    """The steps' names as the case's own version names them (then as the process's other versions do)."""
    return {**vocab.steps.get(instance.definition_key, {}), **vocab.own_steps.get(instance.definition_id, {})}


def archived_page(record: Archived):
    """Say that a case the reader may see was archived — when, to which file — where its page was (a records
    officer produces the file for an appeal or an audit; auditors verify it from there)."""
    return render_template("archived_case.html", record=record, county=words().places.get(record.county or "", ""))


def _diagram(history, tasks, jobs) -> dict:
    """What the viewer highlights: activities done (with counts) and those the case waits in."""
    done = Counter(h.activity_id for h in history if h.end_time is not None and not h.canceled)
    waiting = {h.activity_id for h in history if h.end_time is None}
    waiting |= {t.activity_id for t in tasks} | {j.activity_id for j in jobs}
    # a badge only where the case passed more than once (a loop: 补齐材料, 公示异议 → 重新初审)
    return {"done": sorted(done), "waiting": sorted(waiting), "counts": {a: n for a, n in done.items() if n > 1}}


def _has_viewer() -> bool:
    return (Path(bp.root_path) / "static" / "dist" / "viewer.js").exists()


# a cancelled task was open and then withdrawn (an objection interrupts it); a cancelled event never happened:
# a start event the case did not start at, a boundary timer that never fired
BEGUN_WORK = {"userTask", "serviceTask", "callActivity", "subProcess", "transaction", "manualTask", "sendTask",
              "receiveTask"}


def _steps(history) -> list:
    """The steps a reader follows: named activities, without gateways, internal scripts and events not taken."""
    steps = [h for h in history if h.activity_name and "Gateway" not in h.activity_type
             and h.activity_type != "scriptTask" and not (h.canceled and h.activity_type not in BEGUN_WORK)]
    return sorted(steps, key=lambda h: (h.start_time, h.end_time is None, h.end_time or h.start_time))


def _pending_needs(variables: dict, history) -> list[str]:
    """Needs referred to departments whose feedback has not come back yet (the 转介 call is still open)."""
    referring = any(h.activity_id == "refer_needs" and h.end_time is None for h in history)
    needs = variables.get("needs")
    return [str(n) for n in needs] if referring and isinstance(needs, list) else []


def _referrals(variables: dict) -> list[dict]:
    referrals = variables.get("referrals") or []
    return [r for r in referrals if isinstance(r, dict)] if isinstance(referrals, list) else []


@bp.post("/<instance_id>/void")
@login_required
def void(instance_id: str):
    """Void (作废) an abandoned application, with the reason; it leaves every inbox."""
    actor = require("case.void")
    try:
        void_case(runtime(), VoidCase(actor, instance_id, request.form.get("reason", "")))
    except ValidationFailed as err:
        flash(err.message, "error")
        return redirect(url_for("cases.show", instance_id=instance_id) + "#void")
    flash("已作废该申请，相关待办已撤销", "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


def voided(events) -> object | None:
    """The case's 作废 event, if it was voided."""
    return next((e for e in events if e.command == "void"), None)


OBJECTION = "publicity_objection"


@bp.post("/<instance_id>/objection")
@login_required
def objection(instance_id: str):
    """Register an objection raised during 公示 (the village's 公示栏, or at the window) on the case."""
    actor = require("message.correlate")
    text = request.form.get("objection_text", "").strip()
    try:
        if not text:
            raise ValidationFailed("请写明异议内容（谁提出、认为哪里不实）", field="objection_text")
        correlate_message(runtime(), CorrelateMessage(actor, OBJECTION, process_instance_id=instance_id,
                                                      variables={"objection_text": text[:2000]}))
    except ValidationFailed as err:
        flash(err.message if err.field == "objection_text" else "此案件现在不在公示期，无法登记异议", "error")
        return redirect(url_for("cases.show", instance_id=instance_id) + "#objection")
    flash("已登记公示期异议，案件转入核查", "success")
    return redirect(url_for("cases.show", instance_id=instance_id))
