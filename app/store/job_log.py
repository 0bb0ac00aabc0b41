"""The job log (Camunda's historic job log): an entry each time a job is created, fails, runs (successful) or is
deleted, written by what sets or clears the job row.

A command's entries go into its own writes (app/store/writes.py), so on PostgreSQL they add no statement: a created
job's entry is made from the row the command inserts; a job run or removed is logged from its row as it stood before
the command (`Writes.insert_from`), read in the same statement that deletes or replaces it. A failure is logged with
its exception and stack trace where the scheduler records it (app/services/jobs.py), outside any command.
"""

import json
import socket
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from .tables import JOB_RETRIES, Base, Job, JobLog
from .writes import Writes

HOSTNAME = socket.gethostname()[:255]  # Camunda's hostname: the node that wrote the entry
CREATED, FAILED, SUCCESSFUL, DELETED = "created", "failed", "successful", "deleted"
# an entry's columns that copy its job row's: (entry column, job column)
_COPIED = (("job_due", "due"), ("job_retries", "retries"), ("job_type", "job_type"), ("configuration", "configuration"),
           ("activity_id", "activity_id"), ("process_instance_id", "process_instance_id"),
           ("definition_id", "definition_id"), ("definition_key", "definition_key"), ("org_path", "org_path"),
           ("tenant_id", "tenant_id"))
# the same, and the failure a job row holds, as SQL on that row
_FROM_JOB = (*((entry, f"job.{column}") for entry, column in _COPIED),
             ("exception_message", "job.exception_message"),
             ("failed_activity_id", "CASE WHEN job.exception_message IS NOT NULL THEN job.failed_activity_id END"))


_LOG, _JOBS = Base.metadata.tables["job_log"], Base.metadata.tables["job"]


def _entry(state: str, moment: datetime) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "logged_at": moment, "state": state, "hostname": HOSTNAME}


def log_jobs(writes: Writes, ran: list[str], deleted: list[str], created: list[dict[str, Any]],
             moment: datetime) -> None:
    """A command's entries, in one INSERT numbered in the order they happened: the jobs `ran` (successful) and
    `deleted`, from their rows as the command found them (so, on SQLite, written before it deletes or replaces
    them), then the creation of the job rows `created` it inserts (a fired cycle's next wait after its run)."""
    copied = [{**_entry(SUCCESSFUL, moment), "job_id": job_id} for job_id in ran]
    copied += [{**_entry(DELETED, moment), "job_id": job_id} for job_id in deleted]
    made = [{**_entry(CREATED, moment), "job_id": job["id"], "exception_message": None, "failed_activity_id": None,
             "job_retries": JOB_RETRIES,  # a job row made takes its column's default
             **{entry: job[column] for entry, column in _COPIED if column != "retries"}}
            for job in created]
    writes.insert_from(_LOG, copied, _JOBS, ("job_id", "id"), _FROM_JOB, made)


def log_failure(session: Session, job: Job, message: str, stacktrace: str | None, moment: datetime) -> str:
    """A failed run's entry: the job as it was when it failed (its retries before this failure spent one); return
    the entry's id."""
    entry = _entry(FAILED, moment)
    session.add(JobLog(**entry, job_id=job.id, exception_message=message, stacktrace=stacktrace,
                       failed_activity_id=job.failed_activity_id,
                       **{column: getattr(job, source) for column, source in _COPIED}))
    return str(entry["id"])


_TIMER_KINDS = {"TimeDateEventDefinition": "DATE", "DurationTimerEventDefinition": "DURATION",
                "CycleTimerEventDefinition": "CYCLE"}


def _stored_timer_job(spec: dict[str, Any], activity_id: str) -> tuple[str, str | None]:
    """A timer's job definition type and configuration from its definition's stored SpiffWorkflow spec (its called
    processes' too), as app/engine/observe.py `timer_job` gives them from the loaded spec."""
    for process in (spec.get("spec") or {}, *(spec.get("subprocess_specs") or {}).values()):
        task = (process.get("task_specs") or {}).get(activity_id)
        if task:
            definition = task.get("event_definition") or {}
            kind = _TIMER_KINDS.get(definition.get("typename", ""))
            configuration = f"{kind}: {definition.get('expression')}" if kind else None
            typename = task.get("typename", "")
            if "Boundary" in typename:
                return "timer-transition", configuration
            if "Start" in typename:
                return "timer-start-event-subprocess", configuration
            return "timer-intermediate-transition", configuration
    return "timer-intermediate-transition", None


def backfill_job_log(conn: Connection) -> int:
    """The jobs waiting before the job log was kept (migration 0035): their type and configuration, and their
    creation entry, at their creation; return how many were logged. A job already logged is left as it is."""
    jobs = conn.execute(text(
        "SELECT j.id, j.process_instance_id, j.definition_id, j.definition_key, j.activity_id, j.org_path, j.due, "
        "j.retries, j.created, j.tenant_id, j.job_type, j.configuration, d.spec FROM job j "
        "JOIN process_definition d ON d.id = j.definition_id "
        "WHERE NOT EXISTS (SELECT 1 FROM job_log l WHERE l.job_id = j.id)")).all()
    for job in jobs:
        spec = job.spec if isinstance(job.spec, dict) else json.loads(job.spec or "{}")
        job_type, configuration = (job.job_type, job.configuration) if job.job_type else _stored_timer_job(
            spec or {}, job.activity_id)
        conn.execute(text("UPDATE job SET job_type = :t, configuration = :c WHERE id = :id"),
                     {"t": job_type, "c": configuration, "id": job.id})
        conn.execute(text(
            "INSERT INTO job_log (id, logged_at, state, job_id, job_due, job_retries, job_type, configuration, "
            "activity_id, process_instance_id, definition_id, definition_key, org_path, hostname, tenant_id) "
            "VALUES (:id, :at, 'created', :job, :due, :retries, :t, :c, :activity, :case, :definition, :key, :org, "
            ":host, :tenant)"),
            {"id": str(uuid.uuid4()), "at": job.created, "job": job.id, "due": job.due, "retries": job.retries,
             "t": job_type, "c": configuration, "activity": job.activity_id, "case": job.process_instance_id,
             "definition": job.definition_id, "key": job.definition_key, "org": job.org_path, "host": HOSTNAME,
             "tenant": job.tenant_id})
    return len(jobs)
