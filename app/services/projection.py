"""Apply what one engine run changed to the case row and its read tables, in the command's transaction.

Not the ORM unit of work: a command writes a handful of rows it already knows in full, each
table's rows as one write of `Writes` (app/store/writes.py), which PostgreSQL receives as one
statement, so a task completion costs a fixed, small number of statements
(tests/integration/test_statement_budget.py).
"""

from datetime import datetime

from sqlalchemy import Connection, delete, or_
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.audit import event_digest, state_digest
from app.domain.errors import Unavailable
from app.engine.changes import Activity, Changes, OpenTask
from app.engine.functions import to_datetime
from app.store.job_log import log_jobs
from app.store.partitions import earliest_row_of
from app.store.tables import (
    CaseEvent,
    EventSubscription,
    ExternalTask,
    HistoryActivity,
    Job,
    ProcessInstance,
    Task,
    TaskCandidate,
)
from app.store.writes import Writes

from .called_instances import Scopes, project_calls
from .registry import Issued
from .typed import merged_types
from .wakeup import Wakeup

_CASES, _EVENTS = ProcessInstance.__table__, CaseEvent.__table__

# an activity already recorded keeps its start; its end, cancellation and (a user task) who completed it change


def _when(text: str | None) -> datetime | None:
    return None if text is None else to_datetime(text)


def new_state(instance: ProcessInstance, changes: Changes, moment: datetime) -> dict:
    """The case row's columns after a command that ran the engine."""
    values = {"workflow": changes.state, "variables": changes.variables}
    if changes.declared:  # a decision's date result: a Date variable, though its JSON value is a string
        values["variable_types"] = merged_types(instance.variable_types,
                                                {name: {"type": kind} for name, kind in changes.declared.items()})
    if changes.terminated:
        values.update(state="EXTERNALLY_TERMINATED", ended_at=moment)
    elif changes.completed:
        values.update(state="COMPLETED", ended_at=moment)
    return values


# the event columns its hash covers, in `event_digest`'s order; then the previous event's hash, which is not stored
# (it is that event's `hash`: migration 0039)
_HASHED = ("process_instance_id", "seq", "at", "actor", "command", "target", "inputs", "changed", "state_hash")


def event_row(instance: ProcessInstance, seq: int, issued: Issued, changed: dict | None, state: bytes) -> dict:
    """One event of the case's log, chained to the previous one (the case's last event hash) by its hash; refused if
    the clock reads more than a month before the case started (reads of a case's rows rely on it:
    app/store/partitions.py)."""
    if issued.moment < earliest_row_of(instance.started_at):
        raise Unavailable(f"服务时钟（{issued.moment:%Y-%m-%d}）早于案件开始一个月以上，不能记录", retry_after=60)
    row = {"process_instance_id": instance.id, "seq": seq, "at": issued.moment, "actor": issued.actor.username,
           "command": issued.command.name, "target": issued.target, "inputs": issued.inputs.to_json(),
           "changed": changed or {}, "state_hash": state_digest(state), "tenant_id": instance.tenant_id}
    row["hash"] = event_digest(*(row[name] for name in _HASHED), instance.last_event_hash)
    return row


def with_following(event: dict, following: list[Issued]) -> list[dict]:
    """`event` and the events of the commands it set off that change nothing in the engine (a notice it issued),
    chained after it, at its state."""
    events = [event]
    for issued in following:
        row = {**events[-1], "seq": events[-1]["seq"] + 1, "at": issued.moment, "actor": issued.actor.username,
               "command": issued.command.name, "target": issued.target, "inputs": issued.inputs.to_json(),
               "changed": {}}
        row["hash"] = event_digest(*(row[name] for name in _HASHED), events[-1]["hash"])
        events.append(row)
    return events


def insert_event(writes: Writes, *events: dict) -> None:
    """Insert event rows; the transaction's events are listed in `session.info` for /metrics to count on commit."""
    writes.insert(_EVENTS, list(events))
    for event in events:
        writes.session.info.setdefault("case_events", []).append((event["command"], event["at"], event["inputs"]))


def record_event(writes: Writes, instance: ProcessInstance, issued: Issued, changed: dict | None = None,
                 case_values: dict | None = None, following: list[Issued] = ()) -> None:
    """Append the event of `issued` (and of the `following` commands it set off, see `with_following`) and move
    the case to the last of them (its version, its hash and `case_values`).

    The case row is updated only if it is still at the version this command read: another
    command that moved it first makes this one a Conflict (HTTP 409) when `writes` are executed.
    """
    values = dict(case_values or {})
    events = with_following(event_row(instance, instance.version + 1, issued, changed,
                                      values.get("workflow", instance.workflow)), list(following))
    values.update(last_event_hash=events[-1]["hash"], version=events[-1]["seq"])
    writes.move_case(_CASES, instance.id, instance.version, values)
    insert_event(writes, *events)
    for key, value in values.items():  # the loaded row shows the new state without the ORM writing it again
        set_committed_value(instance, key, value)


def project(writes: Writes, instance: ProcessInstance, changes: Changes, moment: datetime,
            completed_by: str | None = None, fired: str | None = None) -> None:
    """Bring the read rows of a stored instance in step with `changes`; `completed_by` did the closed task, `fired`
    is the job the command ran. The rows of what runs in a process the case called name that process's instance
    (app/services/called_instances.py)."""
    scopes = project_calls(writes, instance, changes, moment)
    jobs = _jobs(scopes, changes, moment)
    _log_jobs(writes, changes, jobs, moment, fired)
    _close(writes, changes)
    _open(writes, scopes, changes, moment, jobs)
    _history(writes, scopes, changes, moment, completed_by)


def _jobs(scopes: Scopes, changes: Changes, moment: datetime) -> list[dict]:
    """The job rows of the timers the command set (a cycle's next due time replaces its row)."""
    return [{**_without_key(scopes[t.instance]), "id": t.id, "activity_id": t.activity_id, "type": "timer",
             "due": _when(t.due), "due_provisional": t.provisional, "created": moment, "job_type": t.job_type,
             "configuration": t.configuration}
            for t in changes.timers_set]


def _log_jobs(writes: Writes, changes: Changes, jobs: list[dict], moment: datetime, fired: str | None) -> None:
    """The job log's entries (before the job rows change: they are read as the command found them): the job the
    command fired ran; every other job cleared was deleted with its activity or its case; a job set was created,
    or is a fired cycle's next wait (not one whose activity a migration renamed, nor one moved)."""
    again = {t.id for t in changes.timers_set if t.again}
    ran = [fired] if fired is not None and (fired in changes.timers_cleared or fired in again) else []
    log_jobs(writes, ran, [t for t in changes.timers_cleared if t != fired],
             [job for job in jobs if job["id"] not in again or job["id"] == fired], moment)


def _close(writes: Writes, changes: Changes) -> None:
    user = [t for t, kind in changes.closed if kind == "user"]
    external = [t for t, kind in changes.closed if kind == "external"]
    for table, ids in ((Task, user), (ExternalTask, external), (Job, changes.timers_cleared)):
        writes.delete(table.__table__, ids)  # a task's task_candidate rows go with it (ON DELETE CASCADE)
    writes.delete(EventSubscription.__table__, changes.unsubscribed, ("task_id", "event_name"))


def _open(writes: Writes, scopes: Scopes, changes: Changes, moment: datetime, jobs: list[dict]) -> None:
    tasks, candidates, external = [], [], []
    for opened in changes.opened:
        common = scopes[opened.instance]
        if opened.kind == "user":
            tasks.append({**common, "id": opened.id,
                          "activity_id": opened.activity_id, "name": opened.name,
                          "candidate_groups": opened.candidate_groups, "assignee": opened.assignee,
                          "created": moment, "due": _when(opened.due), "due_provisional": opened.provisional,
                          "follow_up": _when(opened.follow_up), "priority": opened.priority,
                          "form_key": opened.form_key, "local_variables": opened.local or None})
            candidates.extend({"task_id": opened.id, "group_id": g, "org_path": common["org_path"],
                               "tenant_id": common["tenant_id"]}
                              for g in opened.candidate_groups)
        else:
            external.append({**common, "id": opened.id,
                             "activity_id": opened.activity_id, "topic": opened.topic or "", "created": moment,
                             "priority": opened.priority})
    subscriptions = [{"task_id": s.id, "event_name": s.message, "event_type": s.kind,
                      "business_key": scopes[s.instance]["business_key"],
                      "activity_id": s.activity_id, "created": moment,
                      "process_instance_id": scopes[s.instance]["process_instance_id"],
                      "org_path": scopes[s.instance]["org_path"], "tenant_id": scopes[s.instance]["tenant_id"]}
                     for s in changes.subscribed]
    if external:
        Wakeup.mark(writes.session)  # long-polling workers wake once this commits
    for table, rows in ((Task, tasks), (TaskCandidate, candidates), (ExternalTask, external),
                        (EventSubscription, subscriptions)):
        writes.insert(table.__table__, rows)
    writes.replace(Job.__table__, jobs)  # a cycle's next due time replaces its job row


def _without_key(scope: dict) -> dict:
    return {k: v for k, v in scope.items() if k != "business_key"}


def _history(writes: Writes, scopes: Scopes, changes: Changes, moment: datetime,
             completed_by: str | None) -> None:
    """A row for each activity started, and end times for those that ended: an activity started earlier is ended
    by an UPDATE of its id (on PostgreSQL the table's key also holds its start, the partition key: migration 0029)."""
    opened = {o.id: o for o in changes.opened}
    fired = {a.id for a in changes.ended}
    rows = {a.id: _history_row(scopes[a.instance], a, moment, opened.get(a.id)) for a in changes.started
            if not _boundary(a) or a.id in fired}
    ends: dict[str, dict] = {}
    closed_by_user = {t for t, kind in changes.closed if kind == "user"}
    for a in changes.ended + changes.cancelled:
        if _boundary(a) and a.id not in rows:
            if a in changes.cancelled:
                continue  # a boundary event that never fired has no row
            rows[a.id] = _history_row(scopes[a.instance], a, moment)  # it fires: it starts and ends now
        row = rows.get(a.id) or ends.setdefault(a.id, {"id": a.id, "end_time": moment, "canceled": False,
                                                       "delete_reason": None, "assignee": None})
        row["end_time"] = moment
        if a in changes.cancelled:
            row.update(canceled=True, delete_reason="canceled")
        elif completed_by and a.id in closed_by_user:
            row["assignee"] = completed_by
    writes.insert(HistoryActivity.__table__, list(rows.values()))
    writes.update_rows(HistoryActivity.__table__, list(ends.values()), ("id",), keep_if_null=("assignee",))


def _boundary(a: Activity) -> bool:
    """A boundary event is an activity instance only once it fires (as in Camunda, whose history has no row for one
    that waited and was cancelled with its activity): most never fire, and their rows were a quarter of a case's
    history (migration 0037)."""
    return a.type.startswith("boundary") or a.type in BOUNDARY_CATCHES


BOUNDARY_CATCHES = {"cancelBoundaryCatch", "compensationBoundaryCatch"}  # Camunda's other boundary event types


def forget_unfired_boundaries(connection: Connection) -> int:
    """Delete the history rows earlier versions wrote for boundary events that never fired (cancelled with their
    activity, or still waiting on it); return how many (migration 0037)."""
    table = HistoryActivity.__table__
    boundary = or_(table.c.activity_type.like("boundary%"), table.c.activity_type.in_(sorted(BOUNDARY_CATCHES)))
    never_fired = or_(table.c.canceled.is_(True), table.c.end_time.is_(None))
    return connection.execute(delete(table).where(boundary, never_fired)).rowcount


def _history_row(scope: dict, a: Activity, moment: datetime, task: OpenTask | None = None) -> dict:
    return {**_without_key(scope), "id": a.id, "activity_id": a.activity_id, "activity_name": a.name,
            "activity_type": a.type,
            "candidate_groups": task.candidate_groups if task else None, "assignee": task.assignee if task else None,
            "due": _when(task.due) if task else None, "priority": task.priority if task else None,
            "start_time": moment, "end_time": None, "canceled": False, "delete_reason": None}


def hash_of(event: CaseEvent, prev_hash: str | None) -> str:
    """Recompute an event's hash from its stored content and the hash of the event before it (None: the first)."""
    return event_digest(*(getattr(event, name) for name in _HASHED), prev_hash)


def changed_variables(before: dict, after: dict) -> dict:
    """Return the variables a command set or changed."""
    return {k: v for k, v in after.items() if before.get(k) != v}
