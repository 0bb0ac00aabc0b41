"""审计: find a case, read its event log as a timeline, step through its state event by event, verify histories;
find the cases the history clean-up archived and verify one from its archive file."""

import re
from dataclasses import replace
from functools import wraps
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from app.domain.county_settings import SETTINGS
from app.domain.errors import ValidationFailed
from app.extensions import audit_keys
from app.services.archived_cases import ArchivedQuery, find_archived
from app.services.archived_verification import verify_archived_case
from app.services.audit import Verdict, verify_all, verify_case
from app.services.case_history import case_log, shown_event_inputs, state_at
from app.services.catalogue import definition_source
from app.services.page_reads import find_cases, finished_by
from app.services.payroll.reads import page_payments
from app.services.rebaseline import rebaselines
from app.services.vocabulary import Vocabulary

from .auth import login_required, require, runtime
from .facts import words
from .timeline import timeline

bp = Blueprint("auditor", __name__, url_prefix="/auditor")

RECENT = 20
NAME = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])")  # a variable a verdict names
LONGEST_SEARCH = 40  # the search box's maxlength: a 身份证, a business key or a case id fits


def reads(*names: str):
    """Let a page read the query parameters `names`; any other is refused naming it, never silently ignored."""

    def mark(view):
        @wraps(view)
        def checked(*args, **kwargs):
            unknown = next((name for name in request.args if name not in names), None)
            if unknown is not None:
                raise ValidationFailed(f"{unknown}: 此页面不支持此参数", field=unknown)
            return view(*args, **kwargs)

        return checked

    return mark


@bp.get("")
@login_required
@reads("q")
def index():
    """Search cases by business key, case id, applicant's name or 身份证; without a search, list the newest cases in
    scope."""
    actor = require("audit.verify")
    q = _search_text()
    found = find_cases(runtime(), actor, q, RECENT if not q else 200)
    archived = find_archived(runtime(), actor, ArchivedQuery(text=q, limit=200)) if q else []
    return render_template("auditor/index.html", cases=found.cases, applicants=found.applicants, q=q,
                           archived=archived, places=words().places)


@bp.get("/archived")
@login_required
@reads("q")
def archived():
    """List the cases in scope the history clean-up archived, the most recently archived first, each with its file;
    `q` finds them by business key (or case id)."""
    actor = require("audit.verify")
    q = _search_text()
    found = find_archived(runtime(), actor, ArchivedQuery(text=q or None, limit=RECENT if not q else 200))
    return render_template("auditor/archived.html", archived=found, q=q, places=words().places)


@bp.get("/archived/<case_id>/verify")
@login_required
@reads()
def verify_archived(case_id: str):
    """Verify one archived case from its archive file (as flask history-verify-archive), and show the verdict."""
    actor = require("audit.verify")
    checked = verify_archived_case(runtime(), actor, case_id, Path(current_app.config["HISTORY_ARCHIVE_DIR"]),
                                   audit_keys())
    verdict = _in_words(checked.verdict, checked.record.definition_key, words())
    return render_template("auditor/archived_verify.html", record=checked.record, verdict=verdict)


@bp.get("/verify")
@login_required
@reads()
def verify():
    """Verify every case history in scope and list the failures."""
    actor = require("audit.verify")
    verdicts, vocab = list(verify_all(runtime(), actor, audit_keys())), words()
    return render_template("auditor/verify.html", total=len(verdicts),
                           failed=[_in_words(v, None, vocab) for v in verdicts if not v.ok])


@bp.get("/cases/<case_id>")
@login_required
@reads()
def case(case_id: str):
    """Show a case's event log as a timeline with its verification result."""
    actor = require("audit.verify")
    log = case_log(runtime(), actor, case_id)
    shown = [(e, *shown_event_inputs(log.view, e)) for e in log.events]
    vocab, process = words(), log.instance.definition_key
    verdict = _in_words(verify_case(runtime(), actor, case_id, audit_keys()), process, vocab)
    return render_template("auditor/case.html", instance=log.instance, verdict=verdict,
                           events=timeline(shown, vocab, process, log.instance.definition_id),
                           rebaselines=rebaselines(runtime(), actor, case_id),
                           payments=page_payments(runtime(), actor, case_id, log.instance.tenant_id))


@bp.get("/cases/<case_id>/events/<int:seq>")
@login_required
@reads()
def replay_step(case_id: str, seq: int):
    """Show the case as it stood right after event `seq`, rebuilt by replaying the log."""
    actor = require("audit.verify")
    found = state_at(runtime(), actor, case_id, seq)
    source = definition_source(runtime(), actor, found.instance.definition_id)
    done = finished_by(runtime(), actor, case_id, found.event.at)
    vocab, process = words(), found.instance.definition_key
    inputs, changed = shown_event_inputs(found.view, found.event)
    waiting = [t["activityId"] for t in found.snapshot.open_tasks] + [w["activityId"] for w in found.snapshot.waiting]
    state = [(k, vocab.label(process, k), vocab.shown(process, k, v))
             for k, v in _form_order(vocab, process, found.variables)]
    entry = timeline([(found.event, inputs, changed)], vocab, process, found.instance.definition_id)[0]
    return render_template("auditor/replay.html", found=found, source=source, entry=entry, state=state,
                           words=vocab,
                           marks={"done": sorted(done - set(waiting)), "waiting": waiting})



def _search_text() -> str:
    """The search box's text (`q`), refused beyond its maxlength."""
    q = request.args.get("q", "").strip()
    if len(q) > LONGEST_SEARCH:
        raise ValidationFailed(f"q: 查找内容最多 {LONGEST_SEARCH} 个字，现为 {len(q)} 个", field="q")
    return q


def _in_words(verdict: Verdict, process: str | None, vocab: Vocabulary) -> Verdict:
    """The verdict as the staff read it: each variable it names called by its label, as the forms call it (one
    process's, else any form's)."""
    if not verdict.problem:
        return verdict
    return replace(verdict, problem=NAME.sub(lambda name: vocab.label(process, name[0]), verdict.problem))



def _form_order(vocab, process: str, variables: dict) -> list[tuple]:
    """The replayed data in the order the process's forms ask for it, computed values after, settings last."""
    order = {name: i for i, name in enumerate(vocab.labels.get(process, {}))}
    own_settings = set(vocab.settings_of(process))
    kept = [(k, v) for k, v in variables.items() if k not in SETTINGS or k in own_settings]
    return sorted(kept, key=lambda kv: (kv[0] in SETTINGS, order.get(kv[0], len(order)), kv[0]))
