"""督办: overdue and due-soon work per township and step, compliance per township, escalations, exports, heatmap."""

import re
from collections import Counter
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.domain.clock import CHINA_TZ
from app.domain.errors import NotFound, ValidationFailed
from app.services.catalogue import process_versions
from app.services.commands import FireJob
from app.services.compliance import MILESTONES, compliance
from app.services.exports import FORMATS, attachment, export
from app.services.incidents import open_incidents, retry_incident
from app.services.jobs import fire_job, set_job_due, waiting_timers
from app.services.supervision import act_on_escalation, case_versions, late_tasks, list_escalations
from app.services.supervision_tables import supervision_table
from app.services.workload import waiting_per_step

from .auth import login_required, require, runtime
from .facts import words

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

TABLES = ("tasks", "compliance", "escalations")


def _processes(actor) -> list[str]:
    """The keys of the deployed processes, 低保 first."""
    keys = {v.key for v in process_versions(runtime(), actor)}
    return sorted(keys, key=lambda k: (k != "dibao", k))


@bp.get("")
@login_required
def index():
    """Show the dashboard: late work per township and step, compliance, open escalations, where cases wait."""
    actor = require("supervision.read")
    processes = _processes(actor)
    process = request.args.get("process") if request.args.get("process") in processes else next(iter(processes), None)
    if process is None:
        return render_template("supervisor/index.html", process=None, processes=[])
    overdue, buckets = late_tasks(runtime(), actor, {"process": process})
    due_soon, _ = late_tasks(runtime(), actor, {"process": process, "state": "due_soon"})
    figures = compliance(runtime(), actor, {"process": process}) if process in MILESTONES else None
    escalations = [e for e in list_escalations(runtime(), actor, None) if e.state != "CLOSED"]
    versions = case_versions(runtime(), {e.process_instance_id for e in escalations})
    waiting = waiting_per_step(runtime(), actor, process)
    return render_template("supervisor/index.html", process=process, processes=processes, buckets=buckets,
                           late=_per_township_and_step(overdue, due_soon), overdue=overdue[:50],
                           figures=figures, escalations=escalations, waiting=waiting, source=waiting.source,
                           counts=waiting.counts, versions=versions,
                           may_act=actor.may("supervision.act"))


def _per_township_and_step(overdue, due_soon) -> list[dict]:
    """Rows (township, step) with their overdue and due-soon counts, most overdue first. A step is named as each
    task's own version names it (the exports' words): a county's version that renames a step gives its own row,
    never another county's wording."""
    vocab = words()

    def row(item) -> tuple[str, str, str]:
        task = item.task
        return item.township, task.activity_id, vocab.step(task.definition_key, task.activity_id, task.definition_id)

    late, soon = Counter(map(row, overdue)), Counter(map(row, due_soon))
    keys = sorted(set(late) | set(soon), key=lambda k: (-late[k], -soon[k], k))
    return [{"township": t or "县直", "step": name, "overdue": late[(t, a, name)], "due_soon": soon[(t, a, name)]}
            for t, a, name in keys]


@bp.get("/export/<table>.<fmt>")
@login_required
def download(table: str, fmt: str):
    """Download one of the supervisor's tables as CSV or .xlsx (what the API's format= gives)."""
    actor = require("supervision.read")
    if table not in TABLES or fmt not in FORMATS:
        raise NotFound(f"没有可导出的 {table}.{fmt}")
    params = {key: value for key, value in request.args.items() if key in ("process", "state", "township")}
    content, mimetype, filename = export(supervision_table(runtime(), actor, table, params), fmt)
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": attachment(filename)})


@bp.post("/escalations/<int:escalation_id>")
@login_required
def act(escalation_id: int):
    """Acknowledge, reassign or close an escalation."""
    actor = require("supervision.act")
    form = request.form
    try:
        act_on_escalation(runtime(), actor, escalation_id, form.get("action", ""),
                          form.get("comment", "").strip() or None, form.get("assignee", "").strip() or None)
    except ValidationFailed as err:
        flash(err.message, "error")
    else:
        flash({"acknowledge": "已签收督办", "reassign": "已转交督办", "close": "已关闭督办"}[form["action"]], "success")
    return redirect(url_for("supervisor.index", process=form.get("process") or None) + "#escalations")


@bp.get("/timers")
@login_required
def timers():
    """List the timers cases wait on (公示期, deadlines, re-checks), soonest first, by process."""
    actor = require("supervision.read")
    processes = _processes(actor)
    process = request.args.get("process") if request.args.get("process") in processes else None
    q = request.args.get("q", "").strip()[:40]
    found = waiting_timers(runtime(), actor, process, q or None)
    return render_template("supervisor/timers.html", timers=found.timers, total=found.total, q=q,
                           processes=processes, process=process, may_act=actor.may("job.operate"))


@bp.post("/timers/<job_id>")
@login_required
def timer_act(job_id: str):
    """Fire a timer now, or move it to another moment with the reason the case log keeps."""
    actor = require("job.operate")
    form = request.form
    try:
        if form.get("action") == "fire":
            fire_job(runtime(), FireJob(actor, job_id))
            flash("已立即触发该计时，案件已继续流转", "success")
        else:
            set_job_due(runtime(), actor, job_id, _moment(form.get("due", "")), _reason(form.get("reason", "")))
            flash("已调整到期时间，原因已记入办理记录", "success")
    except ValidationFailed as err:
        flash(err.message, "error")
    return redirect(url_for("supervisor.timers", process=form.get("process") or None, q=form.get("q") or None))


INCIDENT_KINDS = {"failedJob": "计时触发失败", "failedExternalTask": "外部系统对接失败"}
MACHINE_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


@bp.get("/incidents")
@login_required
def incidents():
    """List the open incidents (a timer or an external system's task that failed with no tries left), oldest first."""
    actor = require("supervision.read")
    rows = [{"incident": i, "kind": INCIDENT_KINDS.get(i.kind, "其他故障"), "message": _staff_message(i.message),
             "may_retry": actor.may("job.operate" if i.kind == "failedJob" else "external_task.operate")}
            for i in open_incidents(runtime(), actor)]
    return render_template("supervisor/incidents.html", rows=rows)


@bp.post("/incidents/<incident_id>/retry")
@login_required
def incident_retry(incident_id: str):
    """Give the failed timer or external task one more try, which resolves its incident."""
    actor = require("supervision.read")
    retry_incident(runtime(), actor, incident_id)
    flash("已重试，该故障已解除；如再次失败会重新列出", "success")
    return redirect(url_for("supervisor.incidents"))


def _staff_message(message: str) -> str:
    """The failure as reported, where it is in the staff's words; a system's technical text is left to the logs."""
    if not message.strip():
        return "未说明原因"
    if not MACHINE_WORD.search(message):
        return message
    head = message.split("：")[0].strip()  # the service's own words before a library's message
    if head and not MACHINE_WORD.search(head):
        return f"{head}（技术细节见运维日志）"
    return "系统返回技术信息，详见运维日志"


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed("请填写新的到期时间，如 2026-10-12 17:00", field="due") from None
    return moment.replace(tzinfo=CHINA_TZ) if moment.tzinfo is None else moment


def _reason(text: str) -> str:
    if not text.strip():
        raise ValidationFailed("请写明调整到期时间的原因", field="reason")
    return text.strip()[:500]
