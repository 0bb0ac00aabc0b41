"""办理: a task's form rendered from its Camunda Forms JSON, the case facts beside it, draft and complete."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import local
from app.domain.errors import Conflict, DomainError, EngineFailure, Forbidden, NotFound, ValidationFailed
from app.services.attachments import NewAttachment, add_task_attachment, case_attachments
from app.services.case_data import WEB_TASK_PAGE
from app.services.case_reads import task_data
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from app.services.drafts import discard_drafts, load_draft, save_draft
from app.services.form_checks import table_source
from app.services.forms import file_fields, form_fields
from app.services.page_reads import finished_task, next_task_of

from .auth import current_actor, login_required, runtime
from .facts import case_facts, words
from .forms import error_summary, field_errors, initial_values, read_submission
from .notices import notices_of

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _load(actor: Actor, task_id: str) -> dict:
    found = task_data(runtime(), actor, task_id, WEB_TASK_PAGE)  # logged, scoped and masked as the API's
    vocab, task = words(), found.task
    may_work = actor.may_work_on(task.org_path, task.candidate_groups, task.assignee)
    schema = filled_texts(found.schema, vocab, task.definition_key, found.view.variables)
    return {"task": task, "instance": found.instance, "schema": schema, "words": vocab,
            "view": found.view, "may_work": may_work,
            "notices": notices_of(actor, found.view, task.id),
            # the whole case's files: the reviewer decides on the photos the investigator took at the visit
            "attachments": case_attachments(runtime(), actor, task.process_instance_id)
            if actor.may("case.read") else []}


def _load_or_gone(actor: Actor, task_id: str, status: int = 410):
    """The task's page, or — for a task no longer open — a page saying who finished it and when."""
    try:
        return _load(actor, task_id)
    except NotFound:
        done = finished_task(runtime(), actor, task_id)
        if done is None:
            raise
        return render_template("task_done.html", done=done, task_id=task_id), status


def _render(page: dict, values: dict, errors: dict | None = None, draft=None, status: int = 200):
    facts = case_facts(page["view"].variables, page["task"].definition_key, page["words"])
    summary = error_summary(page["schema"], errors or {})
    return render_template("task.html", **page, values=values, errors=errors or {}, summary=summary, draft=draft,
                           has_files=bool(file_fields(page["schema"])),
                           overdue=page["task"].due is not None and page["task"].due < clock.now(),
                           facts=facts), status


@bp.get("/<task_id>")
@login_required
def show(task_id: str):
    """Show the task's form, filled from my draft or else from the case's data."""
    actor = current_actor()
    page = _load_or_gone(actor, task_id)
    if not isinstance(page, dict):
        return page
    draft = load_draft(runtime(), actor, task_id)
    values = draft.values if draft else _prefill(page)
    return _render(page, values, draft=draft)


def _prefill(page: dict) -> dict:
    """The form starts from the case's values as the reader may see them; a field the worker may not see
    whole starts empty, so a masked value is never submitted over the real one."""
    view = page["view"]
    values = {**_known(page["schema"], view.variables), **initial_values(page["schema"], view.variables)}
    return {k: v for k, v in values.items() if not (page["may_work"] and view.withheld(k))}


# a field the case has no value for yet starts from the value the service knows or computed for it
PREFILL_FROM = {"paid_amount": "amount", "how_much": "paid_amount", "proposed_amount": "computed_amount",
                "who": "applicant_name", "why": "reason",  # 事后补充说明: whom the window took in, and why
                "first_payment_month": "payment_from", "first_support_month": "support_from",
                "approved_amount": "amount_to_approve", "installment_amount": "amount_unpaid",
                "recheck_findings": "findings", "spot_check_findings": "findings"}  # the last visit's findings
DATE_PATTERNS = {"^\\d{4}-\\d{2}-\\d{2}$", "\\d{4}-\\d{2}-\\d{2}"}


def _known(schema: dict, variables: dict) -> dict:
    """Values a fresh form starts with: what the case computed for a field, today's date in a date field."""
    today = local(clock.now()).date().isoformat()
    known = {}
    for component in form_fields(schema):
        key = component["key"]
        source = PREFILL_FROM.get(key)
        if source and variables.get(source) not in (None, ""):
            known[key] = variables[source]
        elif (component.get("validate") or {}).get("pattern") in DATE_PATTERNS or (
                component["type"] == "datetime" and component.get("subtype", "date") == "date"):
            known[key] = today
    return known


@bp.post("/<task_id>")
@login_required
def submit(task_id: str):
    """Save a draft, or complete the task; a refused submission comes back with what was typed."""
    actor = current_actor()
    page = _load_or_gone(actor, task_id, status=409)
    if not isinstance(page, dict):
        return page  # done meanwhile, in another tab or by a colleague: say by whom; the draft stays in the browser
    values = read_submission(page["schema"], request.form)
    try:
        values = with_uploads(actor, task_id, page["schema"], values)
    except DomainError as err:
        if err.status in (403, 404):
            raise
        return _render(page, values, {err.field or "": f"文件未上传：{err.message}"}, status=err.status)
    if request.form.get("action") == "save":
        save_draft(runtime(), actor, task_id, values)
        flash("草稿已保存", "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        complete_task(runtime(), CompleteTask(actor, task_id, values))
    except ValidationFailed as err:
        errors = field_errors(err.errors or [{"field": err.field, "message": err.message}])
        page["household"] = next((e["cases"] for e in err.errors if e.get("cases")), [])  # 一户一档: links
        return _render(page, values, errors, status=422)
    except (Conflict, Forbidden, EngineFailure) as err:  # e.g. claimed meanwhile: show it, keep what was typed
        return _render(page, values, {"": err.message}, status=err.status)
    discard_drafts(runtime(), task_id)
    flash(task_id, "draft-done")  # the next page drops this browser's draft of the task (drafts.js)
    return _after_completion(actor, page["task"])


def with_uploads(actor, task_id: str, schema: dict, values: dict) -> dict:
    """The files chosen in the form's file pickers, attached to the task (as the REST API's task attachments) and
    given to their fields by id: one picker's file replaces what it held, a multiple picker's are added to it."""
    out = dict(values)
    for field in file_fields(schema):
        key = field["key"]
        chosen = [f for f in request.files.getlist(f"{key}__file") if f and f.filename]
        if not chosen:
            continue
        added = [add_task_attachment(runtime(), actor, task_id, NewAttachment(
            f.filename, field.get("label"), None, None, f.read(), current_app.config["ATTACHMENT_MAX_BYTES"])).id
            for f in (chosen if field.get("multiple") else chosen[-1:])]
        held = out.get(key)
        out[key] = [*(held if isinstance(held, list) else []), *added] if field.get("multiple") else added[-1]
    return out


def filled_texts(schema: dict, vocab, process: str, variables: dict) -> dict:
    """The form with the `{{name}}` templates of its texts, hints and HTML filled from the case as the reader sees
    it, and each table given the case's rows it shows."""

    def fill(component):
        if not isinstance(component, dict):
            return component
        out = dict(component)
        for part in ("text", "description", "content"):
            if isinstance(out.get(part), str):
                out[part] = vocab.fill(process, out[part], variables)
        if out.get("type") == "table":  # the rows of case data it shows, as the reader may see them
            rows = variables.get(table_source(out))
            out["rows"] = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
        if isinstance(out.get("components"), list):
            out["components"] = [fill(c) for c in out["components"]]
        return out

    return fill(schema)


def _after_completion(actor: Actor, done):
    """Open my next task in the same case if there is one, else go back to the inbox."""
    nxt = next_task_of(runtime(), actor, done.process_instance_id)
    if nxt is None:
        flash(f"已完成「{done.name}」（{done.business_key or ''}）", "success")
        return redirect(url_for("inbox.index"))
    flash(f"已完成「{done.name}」，请继续办理本案的「{nxt.name}」", "success")
    return redirect(url_for("tasks.show", task_id=nxt.id))


