"""发放 pages for finance: the runs, a roll's review with its exceptions first, 审核 and 复核, the bank file,
the township 名册, the bank's result, and a new 低保 standard's impact before it is saved."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.domain import clock
from app.domain.errors import ValidationFailed
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from app.services.exports import attachment
from app.services.payroll.bank import csv_chunks, file_chunks, open_bank_file, xlsx_path
from app.services.payroll.bank_result import record_bank_result
from app.services.payroll.reads import (
    FLAG_NAMES,
    PROCESS_NAMES,
    counties_in_scope,
    list_runs,
    run_lines,
    run_summary,
    unit_codes,
)
from app.services.payroll.roster import township_roster
from app.services.payroll.runs import build_run, latest_month, start_run
from app.services.payroll.standard import apply_standard, preview_standard

from .auth import current_actor, login_required, require, runtime

bp = Blueprint("payroll", __name__, url_prefix="/payroll")

DECISIONS = {"payroll_review": ("review_decision", {"approve", "rebuild"}),
             "payroll_confirm": ("confirm_decision", {"confirm", "return"})}


def _counties(actor) -> list[dict]:
    return counties_in_scope(runtime(), actor)


@bp.get("")
@login_required
def index():
    """The runs in scope, newest first, and the form to start one."""
    actor = current_actor()
    if not (actor.may("payroll.read") or actor.may("standard.preview")):
        require("payroll.read")
    runs = list_runs(runtime(), actor, None, None) if actor.may("payroll.read") else []
    return render_template("payroll/index.html", runs=runs, counties=_counties(actor),
                           latest=latest_month(clock.now()), may_run=actor.may("payroll.run"))


@bp.post("/runs")
@login_required
def start():
    actor = require("payroll.run")
    run_id = start_run(runtime(), actor, request.form.get("county", ""), request.form.get("month", ""),
                       request.form.get("kind") == "correction")
    flash("发放名册已生成，请审核", "success")
    return redirect(url_for("payroll.run", run_id=run_id))


@bp.get("/runs/<int:run_id>")
@login_required
def run(run_id: int):
    """The roll's review: exceptions first, totals per township and process, the step it waits for."""
    actor = require("payroll.read")
    summary = run_summary(runtime(), actor, run_id)
    _, exceptions = run_lines(runtime(), actor, run_id, {"exceptions": True, "maxResults": 200})
    townships = _township_codes(summary)
    task = summary["openTask"]
    return render_template("payroll/run.html", run=summary, exceptions=exceptions, flag_names=FLAG_NAMES,
                           process_names=PROCESS_NAMES, townships=townships, task=task,
                           may_decide=bool(task) and actor.may("payroll.run"), may_run=actor.may("payroll.run"))


def _township_codes(summary: dict) -> dict[str, str]:
    return unit_codes(runtime(), {row["township"] for row in summary["byTownship"]})


@bp.get("/runs/<int:run_id>/lines")
@login_required
def lines(run_id: int):
    actor = require("payroll.read")
    text = request.args.get("page", "1")
    page = max(int(text), 1) if text.isdigit() and len(text) < 7 else 1
    count, rows = run_lines(runtime(), actor, run_id, {"firstResult": (page - 1) * 100, "maxResults": 100})
    return render_template("payroll/lines.html", run=run_summary(runtime(), actor, run_id), lines=rows,
                           page=page, pages=max((count + 99) // 100, 1), flag_names=FLAG_NAMES)


@bp.post("/runs/<int:run_id>/decide")
@login_required
def decide(run_id: int):
    """审核 (approve or rebuild) or 复核 (confirm or return) the roll: completes the run's open task."""
    actor = require("payroll.run")
    task = run_summary(runtime(), actor, run_id)["openTask"]
    if task is None or task["activityId"] not in DECISIONS:
        raise ValidationFailed("本批次没有待审核或待复核的任务", field="decision")
    field, choices = DECISIONS[task["activityId"]]
    decision = request.form.get("decision")
    if decision not in choices:
        raise ValidationFailed("请选择审核意见", field="decision")
    comment_field = "review_comment" if field == "review_decision" else "confirm_comment"
    complete_task(runtime(), CompleteTask(actor, task["id"], {field: decision,
                                                              comment_field: request.form.get("comment", "")}))
    if decision == "rebuild":
        build_run(runtime(), run_id)
    flash({"approve": "已审核，等待另一位财政人员复核", "rebuild": "名册已按最新案件事实重新生成",
           "confirm": "已复核确认，名册已冻结", "return": "已退回审核"}[decision], "success")
    return redirect(url_for("payroll.run", run_id=run_id))


@bp.get("/runs/<int:run_id>/bank.<fmt>")
@login_required
def bank_file(run_id: int, fmt: str):
    actor = require("payroll.run")
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed("银行文件格式须为 csv 或 xlsx", field="format")
    file = open_bank_file(runtime(), actor, run_id, fmt)
    headers = {"Content-Disposition": attachment(file.file_name(fmt))}
    if fmt == "csv":
        return Response(csv_chunks(runtime(), file), mimetype="text/csv; charset=utf-8", headers=headers)
    return Response(file_chunks(xlsx_path(runtime(), file)), headers=headers,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/runs/<int:run_id>/roster/<township>.pdf")
@login_required
def roster(run_id: int, township: str):
    actor = require("payroll.read")
    roster_file = township_roster(runtime(), actor, run_id, township, request.args.get("copy", "village"))
    return Response(roster_file.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": attachment(roster_file.name, "inline")})


@bp.post("/runs/<int:run_id>/bank-result")
@login_required
def bank_result(run_id: int):
    actor = require("payroll.run")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择银行回盘文件（CSV 或 xlsx）", field="file")
    result = record_bank_result(runtime(), actor, run_id, upload.filename, upload.read())
    flash(f"回盘已登记：成功 {result['paid']} 笔，失败 {result['failed']} 笔（已转乡镇窗口更正账户）", "success")
    return redirect(url_for("payroll.run", run_id=run_id))


@bp.route("/standard", methods=["GET", "POST"])
@login_required
def standard():
    """A new 低保 standard: its impact per township first; the designer then saves it."""
    actor = require("standard.preview")
    counties, preview = _counties(actor), None
    form = request.form if request.method == "POST" else request.args
    if form.get("county"):
        try:
            amount = float(form.get("standard", ""))
        except ValueError:
            raise ValidationFailed("请填写新的低保标准（元/人·月）", field="standard") from None
        if request.method == "POST" and form.get("save") and actor.may("deployment.create"):
            result = apply_standard(runtime(), actor, form["county"], amount, form.get("month", ""))
            flash(f"低保标准已调整：{result['changed']} 户保障金已重新核定", "success")
            return redirect(url_for("payroll.standard"))
        preview = preview_standard(runtime(), actor, form["county"], amount, form.get("month", ""))
    return render_template("payroll/standard.html", counties=counties, preview=preview, form=form,
                           may_save=actor.may("deployment.create"))
