"""/api/audit: case histories for auditors — event log, state at any event by replay, verification, access log, and
the cases the history clean-up archived (this service's own extension: Camunda keeps no record of them)."""

from flask import Blueprint, jsonify
from marshmallow import fields, validate

from app.domain.errors import NotFound
from app.extensions import audit_keys
from app.services.access_log import access_log
from app.services.archived_cases import ArchivedQuery, find_archived
from app.services.audit import verify_all, verify_case
from app.services.case_history import StateAt, case_log, shown_event_inputs, state_at
from app.services.rebaseline import rebaselines

from .fields import CamundaDateTime, StrictSchema
from .support import accepts, actor, args, camunda_date, runtime

bp = Blueprint("audit", __name__, url_prefix="/api/audit")


class AccessLogQuery(StrictSchema):
    caseId = fields.String(load_default=None)
    maxResults = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))


class ArchivedCasesQuery(StrictSchema):
    businessKey = fields.String(load_default=None)
    tenantId = fields.String(load_default=None)
    finishedAfter = CamundaDateTime(load_default=None)
    finishedBefore = CamundaDateTime(load_default=None)
    archivedAfter = CamundaDateTime(load_default=None)
    archivedBefore = CamundaDateTime(load_default=None)
    firstResult = fields.Integer(load_default=0, validate=validate.Range(min=0))
    maxResults = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))



def _dump(verdict) -> dict:
    return {"caseId": verdict.case_id, "ok": verdict.ok, "events": verdict.events,
            "firstBadEvent": verdict.first_bad_event, "problem": verdict.problem}


def _event(event, view) -> dict:
    inputs, changed = shown_event_inputs(view, event)
    return {"seq": event.seq, "at": camunda_date(event.at), "actor": event.actor, "command": event.command,
            "target": event.target, "inputs": inputs, "changed": changed, "stateHash": event.state_hash,
            "prevHash": event.prev_hash, "hash": event.hash}


def _state(found: StateAt) -> dict:
    shot, seq = found.snapshot, found.event.seq
    tasks = [{**t, "assignee": found.assignees.get(t["id"])} for t in shot.open_tasks]
    return {"caseId": found.instance.id, "businessKey": found.instance.business_key, "seq": seq,
            "event": _event(found.event, found.view), "prevSeq": seq - 1 if seq > 1 else None,
            "nextSeq": seq + 1 if seq < found.total else None, "events": found.total,
            "matchesRecord": found.matches, "completed": shot.completed,
            "variables": found.variables, "openTasks": tasks, "waiting": shot.waiting}


@bp.get("/cases/<case_id>/events")
def events(case_id: str):
    """List a case's events, oldest first, with their hashes."""
    log = case_log(runtime(), actor(), case_id)
    return jsonify({"caseId": log.instance.id, "businessKey": log.instance.business_key,
                    "definitionId": log.instance.definition_id, "state": log.instance.state,
                    "events": [_event(e, log.view) for e in log.events]})


@bp.get("/cases/<case_id>/events/<seq>/state")
def state(case_id: str, seq: str):
    """The case right after event `seq`, rebuilt by replaying its log; prevSeq/nextSeq step through it."""
    return jsonify(_state(state_at(runtime(), actor(), case_id, _event_number(case_id, seq))))


def _event_number(case_id: str, seq: str) -> int:
    """The number of the event the path names; what is no event's number (-1, 1.5, 20 digits) no case has."""
    if not (seq.isascii() and seq.isdigit() and len(seq) <= 18):
        raise NotFound(f"案件 {case_id} 没有事件 {seq}", field="seq")
    return int(seq)


@bp.get("/cases/<case_id>/verify")
def verify_one(case_id: str):
    return jsonify(_dump(verify_case(runtime(), actor(), case_id, audit_keys())))


@bp.get("/verify")
def verify_scope():
    """Verify every case in scope; list the failures and count the rest."""
    verdicts = list(verify_all(runtime(), actor(), audit_keys()))
    return jsonify({"cases": len(verdicts), "failed": [_dump(v) for v in verdicts if not v.ok]})


@bp.get("/cases/<case_id>/rebaselines")
def case_rebaselines(case_id: str):
    """The case's audit re-baselines (flask audit rebaseline), newest first: who, when, the checkpoint replaced, why."""
    return jsonify([{"id": r.id, "caseId": r.process_instance_id, "at": camunda_date(r.at), "by": r.rebaselined_by,
                     "osUser": r.os_user, "reason": r.reason, "oldSeq": r.old_seq, "oldEventHash": r.old_event_hash,
                     "oldSignature": r.old_signature, "newSeq": r.new_seq}
                    for r in rebaselines(runtime(), actor(), case_id)])


@bp.get("/access-log")
@accepts(query=AccessLogQuery)
def access_log_entries():
    """Who read case data, when, through what (newest first)."""
    params = args()
    rows = access_log(runtime(), actor(), params["caseId"], params["maxResults"])
    return jsonify([{"id": r.id, "at": camunda_date(r.at), "user": r.username, "caseId": r.process_instance_id,
                     "what": r.what, "masked": r.masked} for r in rows])


@bp.get("/archived-cases")
@accepts(query=ArchivedCasesQuery)
def archived_cases():
    """The cases in scope the history clean-up archived, the most recently archived first, each with its file."""
    p = args()
    found = find_archived(runtime(), actor(), ArchivedQuery(
        business_key=p["businessKey"], county=p["tenantId"], ended_after=p["finishedAfter"],
        ended_before=p["finishedBefore"], archived_after=p["archivedAfter"], archived_before=p["archivedBefore"],
        first=p["firstResult"], limit=p["maxResults"]))
    return jsonify([{"caseId": a.case_id, "businessKey": a.business_key, "tenantId": a.county,
                     "processDefinitionId": a.definition_id, "processDefinitionKey": a.definition_key,
                     "endTime": camunda_date(a.ended_at), "archivedAt": camunda_date(a.archived_at),
                     "archive": a.archive} for a in found])
