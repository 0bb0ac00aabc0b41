"""办理: a task's form rendered from its Camunda Forms JSON, the case facts beside it, draft and complete."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.domain.actors import Actor
from app.domain.errors import Conflict, EngineFailure, Forbidden, ValidationFailed
from app.services.case_data import WEB_TASK_PAGE
from app.services.case_reads import task_data
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from app.services.drafts import discard_drafts, load_draft, save_draft
from app.services.page_reads import next_task_of, place_names

from .auth import current_actor, login_required, runtime
from .facts import case_facts, variable_labels
from .forms import field_errors, initial_values, read_submission
from .notices import notices_of

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _load(actor: Actor, task_id: str) -> dict:
    found = task_data(runtime(), actor, task_id, WEB_TASK_PAGE)  # logged, scoped and masked as the API's
    labels, places = variable_labels(runtime()), place_names(runtime())
    task = found.task
    may_work = actor.may_work_on(task.org_path, task.candidate_groups, task.assignee)
    return {"task": task, "instance": found.instance, "schema": found.schema, "labels": labels,
            "places": places, "view": found.view, "may_work": may_work,
            "notices": notices_of(actor, found.view, task.id)}


def _render(page: dict, values: dict, errors: dict | None = None, draft=None, status: int = 200):
    facts = case_facts(page["view"].variables, page["labels"], page["places"])
    return render_template("task.html", **page, values=values, errors=errors or {}, draft=draft,
                           facts=facts), status


@bp.get("/<task_id>")
@login_required
def show(task_id: str):
    """Show the task's form, filled from my draft or else from the case's data."""
    actor = current_actor()
    page = _load(actor, task_id)
    draft = load_draft(runtime(), actor, task_id)
    values = draft.values if draft else _prefill(page)
    return _render(page, values, draft=draft)


def _prefill(page: dict) -> dict:
    """The form starts from the case's values as the reader may see them; a field the worker may not see
    whole starts empty, so a masked value is never submitted over the real one."""
    view = page["view"]
    values = initial_values(page["schema"], view.variables)
    return {k: v for k, v in values.items() if not (page["may_work"] and view.withheld(k))}


@bp.post("/<task_id>")
@login_required
def submit(task_id: str):
    """Save a draft, or complete the task; a refused submission comes back with what was typed."""
    actor = current_actor()
    page = _load(actor, task_id)
    values = read_submission(page["schema"], request.form)
    if request.form.get("action") == "save":
        save_draft(runtime(), actor, task_id, values)
        flash("草稿已保存", "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        complete_task(runtime(), CompleteTask(actor, task_id, values))
    except ValidationFailed as err:
        errors = field_errors(err.errors or [{"field": err.field, "message": err.message}])
        return _render(page, values, errors, status=422)
    except (Conflict, Forbidden, EngineFailure) as err:  # e.g. claimed meanwhile: show it, keep what was typed
        return _render(page, values, {"": err.message}, status=err.status)
    discard_drafts(runtime(), task_id)
    return _after_completion(actor, page["task"])


def _after_completion(actor: Actor, done):
    """Open my next task in the same case if there is one, else go back to the inbox."""
    nxt = next_task_of(runtime(), actor, done.process_instance_id)
    if nxt is None:
        flash(f"已完成「{done.name}」（{done.business_key or ''}）", "success")
        return redirect(url_for("inbox.index"))
    flash(f"已完成「{done.name}」，请继续办理本案的「{nxt.name}」", "success")
    return redirect(url_for("tasks.show", task_id=nxt.id))


