"""The job log (Camunda's historic job log): an entry each time a job is created, fails, runs (successful) or is
deleted, written by what sets or clears the job row.

A command's entries go into its own writes (app/store/writes.py), so on PostgreSQL they add no statement: a created
job's entry is made from the row the command inserts; a job run or removed is logged from its row as it stood before
the command (`Writes.insert_from`), read in the same statement that deletes or replaces it. A failure is logged with
its exception and stack trace where the scheduler records it (app/services/jobs.py), outside any command.
"""

import socket
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .tables import JOB_RETRIES, Base, Job, JobLog
from .writes import Writes

HOSTNAME = socket.gethostname()[:255]  # Camunda's hostname: the node that wrote the entry
CREATED, FAILED, SUCCESSFUL, DELETED = "created", "failed", "successful", "deleted"
# the columns an entry copies from its job row, as SQL on that row
_FROM_JOB = (("job_due", "job.due"), ("job_retries", "job.retries"),
             ("exception_message", "job.exception_message"),
             ("failed_activity_id", "CASE WHEN job.exception_message IS NOT NULL THEN job.activity_id END"),
             ("job_type", "job.job_type"), ("configuration", "job.configuration"), ("activity_id", "job.activity_id"),
             ("process_instance_id", "job.process_instance_id"), ("definition_id", "job.definition_id"),
             ("definition_key", "job.definition_key"), ("org_path", "job.org_path"), ("tenant_id", "job.tenant_id"))


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
    made = [{**_entry(CREATED, moment), "job_id": job["id"], "job_due": job["due"], "job_retries": JOB_RETRIES,
             "exception_message": None, "failed_activity_id": None, "job_type": job["job_type"],
             "configuration": job["configuration"], "activity_id": job["activity_id"],
             "process_instance_id": job["process_instance_id"], "definition_id": job["definition_id"],
             "definition_key": job["definition_key"], "org_path": job["org_path"], "tenant_id": job["tenant_id"]}
            for job in created]
    writes.insert_from(_LOG, copied, _JOBS, ("job_id", "id"), _FROM_JOB, made)


def log_failure(session: Session, job: Job, message: str, stacktrace: str | None, moment: datetime) -> str:
    """A failed run's entry: the job as it was when it failed (its retries before this failure spent one); return
    the entry's id."""
    entry = _entry(FAILED, moment)
    session.add(JobLog(**entry, job_id=job.id, job_due=job.due, job_retries=job.retries,
                       exception_message=message, stacktrace=stacktrace, failed_activity_id=job.activity_id,
                       job_type=job.job_type, configuration=job.configuration, activity_id=job.activity_id,
                       process_instance_id=job.process_instance_id, definition_id=job.definition_id,
                       definition_key=job.definition_key, org_path=job.org_path, tenant_id=job.tenant_id))
    return str(entry["id"])
