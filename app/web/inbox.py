"""待办: my tasks and my groups' unclaimed ones by due date, filtered, paged and saved as named filters."""

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.domain import clock
from app.domain.clock import CHINA_TZ, local
from app.domain.errors import ValidationFailed
from app.engine.functions import END_OF_DAY
from app.services.cases import claim_task
from app.services.commands import ClaimTask
from app.services.page_reads import inbox
from app.services.saved_filters import FILTER_KEYS, delete_filter, save_filter, saved_filters
from app.services.supervision import DUE_SOON_WORKDAYS

from .auth import current_actor, login_required, runtime, safe_target

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_SIZE = 20


def _filters(args=None) -> dict:
    args = request.args if args is None else args
    return {"process": args.get("process") or None, "step": args.get("step") or None,
            "q": (args.get("q") or "").strip()[:40] or None,
            "village": args.get("village") or None, "order": "desc" if args.get("order") == "desc" else "asc",
            "page": max(1, args.get("page", 1, type=int) or 1),
            "size": min(100, max(1, args.get("size", PAGE_SIZE, type=int) or PAGE_SIZE))}


def _due_soon_limit(now: datetime) -> datetime:
    day = runtime().calendar.add_workdays(local(now).date(), DUE_SOON_WORKDAYS).day
    return datetime.combine(day, END_OF_DAY, CHINA_TZ)


def due_state(due: datetime | None, now: datetime, soon: datetime) -> str | None:
    """Return 'overdue', 'due-soon' or None for a task's due time."""
    if due is None:
        return None
    if due < now:
        return "overdue"
    return "due-soon" if due <= soon else None


@bp.get("")
@login_required
def index():
    """List the tasks waiting for me and my groups."""
    actor, filters = current_actor(), _filters()
    params = {"processDefinitionKey": filters["process"], "taskDefinitionKey": filters["step"]}
    now = clock.now()
    found = inbox(runtime(), actor, params, filters["village"], filters["order"] == "desc", filters["page"],
                  filters["size"], filters["q"])
    village_names = {v.path: v.name for v in found.villages}
    soon = _due_soon_limit(now)
    rows = [{"task": t, "state": due_state(t.due, now, soon), "village": _village_of(t.org_path, village_names),
             "desk": found.desks.get(t.id), "limit": t.follow_up or _overall_due(found.desks.get(t.id))}
            for t in found.tasks]
    pages = max(1, -(-found.total // filters["size"]))
    return render_template("inbox.html", rows=rows, total=found.total, pages=pages, filters=filters,
                           searched_personal=found.searched_personal,
                           steps=found.steps, villages=found.villages, saved=saved_filters(runtime(), actor),
                           processes=sorted({s.definition_key for s in found.steps}))


def _overall_due(desk) -> datetime | None:
    """The case's overall limit where the task does not carry it as its follow-up date: its working days after 受理
    (30, 20, 45 as the diagram set them)."""
    if desk is None or desk.overall_limit is None or not desk.accepted_at:
        return None
    accepted = local(datetime.fromisoformat(desk.accepted_at)).date()
    return datetime.combine(runtime().calendar.add_workdays(accepted, desk.overall_limit).day, END_OF_DAY, CHINA_TZ)


def _village_of(org_path: str, names: dict[str, str]) -> str:
    return next((name for path, name in names.items() if org_path.startswith(path)), "")


def _back():
    return redirect(safe_target(request.form.get("back"), url_for("inbox.index")))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    """Claim a task offered to my group."""
    actor = current_actor()
    claim_task(runtime(), ClaimTask(actor, task_id, actor.username))
    flash("已认领任务", "success")
    return _back()


@bp.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    """Give a claimed task back to the group."""
    claim_task(runtime(), ClaimTask(current_actor(), task_id, None))
    flash("已退回任务，组内其他人可认领", "success")
    return _back()


def _chosen(filters: dict) -> dict:
    """The filter as a saved filter keeps it: what differs from the plain inbox, the page left out."""
    plain = {"order": "asc", "size": PAGE_SIZE}
    return {key: filters[key] for key in FILTER_KEYS if filters[key] not in (None, plain.get(key))}


@bp.post("/filters")
@login_required
def save_current_filter():
    """Save the filter and search in use under a name, and show the inbox with it."""
    chosen = _chosen(_filters(request.form))
    try:
        save_filter(runtime(), current_actor(), request.form.get("name", ""), chosen)
    except ValidationFailed as err:
        flash(err.message, "error")
    else:
        flash(f"已保存筛选“{request.form['name'].strip()}”", "success")
    return redirect(url_for("inbox.index", **chosen))


@bp.post("/filters/delete")
@login_required
def forget_filter():
    """Delete one of my saved filters."""
    name = request.form.get("name", "")
    delete_filter(runtime(), current_actor(), name)
    flash(f"已删除筛选“{name}”", "success")
    return redirect(url_for("inbox.index"))
