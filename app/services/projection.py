"""Apply what one engine run changed to the case row and its read tables, in the command's transaction.

Plain Core statements, not the ORM unit of work: a command writes a handful of rows it already
knows in full, and each table is written by at most one statement (multi-row VALUES), so a task
completion costs a fixed, small number of statements (tests/integration/test_statement_budget.py).
"""

from datetime import UTC, datetime

from sqlalchemy import TextClause, bindparam, delete, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.actors import Actor
from app.domain.audit import event_digest, state_digest
from app.domain.errors import Conflict
from app.engine.functions import to_datetime
from app.engine.runner import Activity, Changes, OpenTask
from app.store.db import json_text
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
from app.store.unit_of_work import CONFLICT_MESSAGE

# built once: SQLAlchemy then only binds values, instead of building and coercing a statement per command
_CASES = ProcessInstance.__table__
_MOVE_CASE = update(_CASES).where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("read_version"))
_INSERT_EVENT = insert(CaseEvent.__table__)
_INSERTS = {table: insert(table.__table__) for table in (Task, TaskCandidate, ExternalTask, Job, EventSubscription)}
_DELETES = {table: delete(table.__table__).where(table.__table__.c.id.in_(bindparam("ids", expanding=True)))
            for table in (Task, ExternalTask, Job)}
_UNSUBSCRIBE = delete(EventSubscription.__table__).where(
    EventSubscription.__table__.c.task_id == bindparam("task_id"),
    EventSubscription.__table__.c.event_name == bindparam("event_name"))


_HISTORY_COLUMNS = ("id", "process_instance_id", "definition_id", "definition_key", "activity_id", "activity_name",
                    "activity_type", "org_path", "candidate_groups", "assignee", "due", "start_time", "end_time",
                    "canceled", "delete_reason")


def _history_upsert(dialect) -> TextClause:
    """An activity already recorded keeps its start; its end, cancellation and (a user task) who completed it change.

    The rows arrive as one JSON array, so the statement's text is the same whatever the number of rows:
    it is compiled once, the driver prepares it once, and binding costs one parameter instead of
    fifteen per row (a third of the CPU of a multi-row VALUES upsert, measured on PostgreSQL).
    """
    table, names = HistoryActivity.__table__, ", ".join(_HISTORY_COLUMNS)
    if dialect.name == "postgresql":
        typed = ", ".join(f"{c} {table.c[c].type.compile(dialect)}" for c in _HISTORY_COLUMNS)
        rows = f"json_to_recordset(CAST(:rows AS json)) AS r({typed})"
    else:
        fields = ", ".join(f"json_extract(value, '$.{c}') AS {c}" for c in _HISTORY_COLUMNS)
        rows = f"(SELECT {fields} FROM json_each(:rows)) AS r"
    # `WHERE true` lets SQLite tell the upsert clause from a join condition of the SELECT
    return text(f"INSERT INTO history_activity ({names}) SELECT {names} FROM {rows} WHERE true "
                "ON CONFLICT (id) DO UPDATE SET end_time = excluded.end_time, canceled = excluded.canceled, "
                "delete_reason = excluded.delete_reason, "
                "assignee = coalesce(excluded.assignee, history_activity.assignee)")


_HISTORY_UPSERT = {d.name: _history_upsert(d) for d in (postgresql.dialect(), sqlite.dialect())}


def _history_json(rows: list[dict], dialect_name: str) -> str:
    """The rows as the JSON array `_history_upsert` reads: times as naive UTC, in each database's own text form."""
    sep = " " if dialect_name == "sqlite" else "T"

    def value(v):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep, "microseconds") if isinstance(v, datetime) else v

    return json_text([{k: value(v) for k, v in row.items()} for row in rows])


def _when(text: str | None) -> datetime | None:
    return None if text is None else to_datetime(text)


def new_state(instance: ProcessInstance, changes: Changes, moment: datetime) -> dict:
    """The case row's columns after a command that ran the engine."""
    values = {"workflow": changes.state, "variables": changes.variables}
    if changes.terminated:
        values.update(state="EXTERNALLY_TERMINATED", ended_at=moment)
    elif changes.completed:
        values.update(state="COMPLETED", ended_at=moment)
    return values


# the event columns its hash covers, in `event_digest`'s order
_HASHED = ("process_instance_id", "seq", "at", "actor", "command", "target", "inputs", "changed", "state_hash",
           "prev_hash")


def event_row(instance: ProcessInstance, seq: int, actor: Actor, command: str, moment: datetime, target: str | None,
              inputs: dict | None, changed: dict | None, state: bytes) -> dict:
    """One event of the case's log, chained to the previous one by its hash."""
    row = {"process_instance_id": instance.id, "seq": seq, "at": moment, "actor": actor.username,
           "command": command, "target": target, "inputs": inputs or {}, "changed": changed or {},
           "state_hash": state_digest(state), "prev_hash": instance.last_event_hash}
    row["hash"] = event_digest(*(row[name] for name in _HASHED))
    return row


def insert_event(session: Session, event: dict) -> None:
    """Insert an event row; the transaction's events are listed in `session.info` for /metrics to count on commit."""
    session.execute(_INSERT_EVENT, event)
    session.info.setdefault("case_events", []).append((event["command"], event["at"], event["inputs"]))


def record_event(session: Session, instance: ProcessInstance, actor: Actor, command: str, moment: datetime,
                 target: str | None = None, inputs: dict | None = None, changed: dict | None = None,
                 case_values: dict | None = None) -> None:
    """Append one event and move the case to it (its next version, the event's hash and `case_values`).

    The case row is updated only if it is still at the version this command read: another
    command that moved it first makes this one a Conflict (HTTP 409), and nothing is written.
    """
    values = dict(case_values or {})
    event = event_row(instance, instance.version + 1, actor, command, moment, target, inputs, changed,
                      values.get("workflow", instance.workflow))
    values.update(last_event_hash=event["hash"], version=event["seq"])
    if session.execute(_MOVE_CASE, {**values, "case_id": instance.id, "read_version": instance.version}).rowcount != 1:
        raise Conflict(CONFLICT_MESSAGE)
    insert_event(session, event)
    for key, value in values.items():  # the loaded row shows the new state without the ORM writing it again
        set_committed_value(instance, key, value)


def project(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime,
            completed_by: str | None = None) -> None:
    """Bring the read rows of a stored instance in step with `changes`; `completed_by` did the closed task."""
    _close(session, changes)
    _open(session, instance, changes, moment)
    _history(session, instance, changes, moment, completed_by)


def _close(session: Session, changes: Changes) -> None:
    user = [t for t, kind in changes.closed if kind == "user"]
    external = [t for t, kind in changes.closed if kind == "external"]
    stale_jobs = changes.timers_cleared + [t.id for t in changes.timers_set if t.replaces]
    for table, ids in ((Task, user), (ExternalTask, external), (Job, stale_jobs)):
        if ids:  # a task's task_candidate rows go with it (ON DELETE CASCADE)
            session.execute(_DELETES[table], {"ids": ids})
    for task_id, name in changes.unsubscribed:
        session.execute(_UNSUBSCRIBE, {"task_id": task_id, "event_name": name})


def _open(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime) -> None:
    common = {"process_instance_id": instance.id, "definition_id": instance.definition_id,
              "definition_key": instance.definition_key, "org_path": instance.org_path}
    tasks, candidates, external = [], [], []
    for opened in changes.opened:
        if opened.kind == "user":
            tasks.append({**common, "id": opened.id, "business_key": instance.business_key,
                          "activity_id": opened.activity_id, "name": opened.name,
                          "candidate_groups": opened.candidate_groups, "assignee": opened.assignee,
                          "created": moment, "due": _when(opened.due), "due_provisional": opened.provisional,
                          "follow_up": _when(opened.follow_up), "priority": opened.priority,
                          "form_key": opened.form_key, "local_variables": opened.local or None})
            candidates.extend({"task_id": opened.id, "group_id": g, "org_path": instance.org_path}
                              for g in opened.candidate_groups)
        else:
            external.append({**common, "id": opened.id, "business_key": instance.business_key,
                             "activity_id": opened.activity_id, "topic": opened.topic or "", "created": moment,
                             "priority": opened.priority})
    jobs = [{**common, "id": t.id, "activity_id": t.activity_id, "type": "timer", "due": _when(t.due),
             "due_provisional": t.provisional, "created": moment}
            for t in changes.timers_set]
    subscriptions = [{"task_id": s.id, "event_name": s.message, "business_key": instance.business_key,
                      "activity_id": s.activity_id, "created": moment, "process_instance_id": instance.id,
                      "org_path": instance.org_path} for s in changes.subscribed]
    for table, rows in ((Task, tasks), (TaskCandidate, candidates), (ExternalTask, external), (Job, jobs),
                        (EventSubscription, subscriptions)):
        if rows:
            session.execute(_INSERTS[table], rows)


def _history(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime,
             completed_by: str | None) -> None:
    """One statement: a row for each activity started, and end times for those that ended (an upsert)."""
    opened = {o.id: o for o in changes.opened}
    rows = {a.id: _history_row(instance, a, moment, opened.get(a.id)) for a in changes.started}
    closed_by_user = {t for t, kind in changes.closed if kind == "user"}
    for a in changes.ended + changes.cancelled:
        row = rows.setdefault(a.id, _history_row(instance, a, moment))
        row["end_time"] = moment
        if a in changes.cancelled:
            row.update(canceled=True, delete_reason="canceled")
        elif completed_by and a.id in closed_by_user:
            row["assignee"] = completed_by
    if rows:
        dialect = session.get_bind().dialect.name
        session.execute(_HISTORY_UPSERT[dialect], {"rows": _history_json(list(rows.values()), dialect)})


def _history_row(instance: ProcessInstance, a: Activity, moment: datetime, task: OpenTask | None = None) -> dict:
    return {"id": a.id, "process_instance_id": instance.id, "definition_id": instance.definition_id,
            "definition_key": instance.definition_key, "activity_id": a.activity_id, "activity_name": a.name,
            "activity_type": a.type, "org_path": instance.org_path,
            "candidate_groups": task.candidate_groups if task else None, "assignee": task.assignee if task else None,
            "due": _when(task.due) if task else None, "start_time": moment, "end_time": None, "canceled": False,
            "delete_reason": None}


def hash_of(event: CaseEvent) -> str:
    """Recompute an event's hash from its stored content."""
    return event_digest(*(getattr(event, name) for name in _HASHED))


def changed_variables(before: dict, after: dict) -> dict:
    """Return the variables a command set or changed."""
    return {k: v for k, v in after.items() if before.get(k) != v}
