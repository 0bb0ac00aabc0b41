"""Apply what one engine run changed to the read tables, in the command's transaction."""

from datetime import datetime

from sqlalchemy import case, delete, update
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.audit import event_digest, state_digest
from app.engine.functions import to_datetime
from app.engine.runner import Changes
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


def _when(text: str | None) -> datetime | None:
    return None if text is None else to_datetime(text)


def update_instance(instance: ProcessInstance, changes: Changes, moment: datetime) -> None:
    """Store the new workflow state and case data on the instance row."""
    instance.workflow = changes.state
    instance.variables = changes.variables
    if changes.terminated:
        instance.state, instance.ended_at = "EXTERNALLY_TERMINATED", moment
    elif changes.completed:
        instance.state, instance.ended_at = "COMPLETED", moment


def project(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime,
            completed_by: str | None = None) -> None:
    """Bring the read rows of a stored instance in step with `changes`; `completed_by` did the closed task."""
    _close(session, changes)
    _open(session, instance, changes, moment)
    _history(session, instance, changes, moment, completed_by)


def _close(session: Session, changes: Changes) -> None:
    user = [t for t, kind in changes.closed if kind == "user"]
    external = [t for t, kind in changes.closed if kind == "external"]
    if user:
        session.execute(delete(Task).where(Task.id.in_(user)))
    if external:
        session.execute(delete(ExternalTask).where(ExternalTask.id.in_(external)))
    stale_jobs = changes.timers_cleared + [t.id for t in changes.timers_set if t.replaces]
    if stale_jobs:
        session.execute(delete(Job).where(Job.id.in_(stale_jobs)))
    for task_id, name in changes.unsubscribed:
        session.execute(delete(EventSubscription).where(EventSubscription.task_id == task_id,
                                                        EventSubscription.event_name == name))


def _open(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime) -> None:
    common = {"process_instance_id": instance.id, "definition_id": instance.definition_id,
              "definition_key": instance.definition_key, "org_path": instance.org_path}
    rows = []
    for opened in changes.opened:
        if opened.kind == "user":
            rows.append(Task(id=opened.id, business_key=instance.business_key, activity_id=opened.activity_id,
                             name=opened.name, candidate_groups=opened.candidate_groups, assignee=opened.assignee,
                             created=moment, due=_when(opened.due), due_provisional=opened.provisional,
                             follow_up=_when(opened.follow_up), priority=opened.priority,
                             form_key=opened.form_key, local_variables=opened.local or None, **common))
            rows.extend(TaskCandidate(task_id=opened.id, group_id=g, org_path=instance.org_path)
                        for g in opened.candidate_groups)
        else:
            rows.append(ExternalTask(id=opened.id, business_key=instance.business_key,
                                     activity_id=opened.activity_id, topic=opened.topic or "",
                                     created=moment, priority=opened.priority, **common))
    rows.extend(Job(id=t.id, activity_id=t.activity_id, due=_when(t.due), due_provisional=t.provisional,
                    created=moment, **common)
                for t in changes.timers_set)
    rows.extend(EventSubscription(task_id=s.id, event_name=s.message, business_key=instance.business_key,
                                  activity_id=s.activity_id, created=moment, process_instance_id=instance.id,
                                  org_path=instance.org_path) for s in changes.subscribed)
    session.add_all(rows)


def _history(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime,
             completed_by: str | None) -> None:
    opened = {o.id: o for o in changes.opened}
    session.add_all(
        HistoryActivity(id=a.id, process_instance_id=instance.id, definition_id=instance.definition_id,
                        definition_key=instance.definition_key, activity_id=a.activity_id,
                        activity_name=a.name, activity_type=a.type, org_path=instance.org_path,
                        candidate_groups=opened[a.id].candidate_groups if a.id in opened else None,
                        assignee=opened[a.id].assignee if a.id in opened else None,
                        due=_when(opened[a.id].due) if a.id in opened else None, start_time=moment)
        for a in changes.started
    )
    session.flush()
    if changes.ended:
        closed_users = [t for t, kind in changes.closed if kind == "user"]
        assignee = (case((HistoryActivity.id.in_(closed_users), completed_by), else_=HistoryActivity.assignee)
                    if completed_by and closed_users else HistoryActivity.assignee)
        session.execute(update(HistoryActivity).where(HistoryActivity.id.in_(changes.ended))
                        .values(end_time=moment, assignee=assignee))
    if changes.cancelled:
        session.execute(update(HistoryActivity).where(HistoryActivity.id.in_(changes.cancelled))
                        .values(end_time=moment, canceled=True, delete_reason="canceled"))


def record_event(session: Session, instance: ProcessInstance, seq: int, actor: Actor, command: str,
                 moment: datetime, target: str | None = None, inputs: dict | None = None,
                 changed: dict | None = None) -> None:
    """Append one event to the case's log, chained to the previous one by its hash."""
    event = CaseEvent(instance=instance, process_instance_id=instance.id, seq=seq, at=moment,
                      actor=actor.username, command=command, target=target, inputs=inputs or {},
                      changed=changed or {}, state_hash=state_digest(instance.workflow),
                      prev_hash=instance.last_event_hash)
    event.hash = hash_of(event)
    instance.last_event_hash = event.hash
    session.add(event)


def hash_of(event: CaseEvent) -> str:
    """Recompute an event's hash from its stored content."""
    return event_digest(event.process_instance_id, event.seq, event.at, event.actor, event.command, event.target,
                        event.inputs, event.changed, event.state_hash, event.prev_hash)


def changed_variables(before: dict, after: dict) -> dict:
    """Return the variables a command set or changed."""
    return {k: v for k, v in after.items() if before.get(k) != v}
