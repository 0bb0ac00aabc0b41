"""The service's tables. The serialized workflow is the truth of a case; every other
case table is kept in step with it in the same transaction, for reading."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.domain.orgs import tenant_of

from .types import PackedJSON, Sha256, UTCDateTime, UuidText

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite numbers rows only on INTEGER PRIMARY KEY


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON, dict[str, Any]: JSON, list[Any]: JSON}


def _county_of_row(context: Any) -> str | None:
    """A row's county from its org unit, for rows the ORM inserts without naming it."""
    return tenant_of(context.get_current_parameters()["org_path"])


def county_column(from_org_path: bool = True) -> Any:
    """The county of a case row (Camunda's tenantId: the county's code, e.g. "sfx"; NULL for the province):
    every case table carries it, so a province's tables can be distributed by county (docs/scaling.md)."""
    return mapped_column(String(64), default=_county_of_row if from_org_path else None)


class OrgUnit(Base):
    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # county | township | village
    path: Mapped[str] = mapped_column(String(400), unique=True)
    county_path: Mapped[str] = mapped_column(String(400))


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_path: Mapped[str] = mapped_column(String(400))
    groups: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)


class CountySetting(Base):
    """Per-county values designers and admins change without code (data, not constants)."""

    __tablename__ = "county_setting"
    county_path: Mapped[str] = mapped_column(String(400), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column()


class Deployment(Base):
    __tablename__ = "deployment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    deployed_at: Mapped[datetime] = mapped_column()
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the county it is for; NULL: shared


class Resource(Base):
    __tablename__ = "resource"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    # versions count per key within a county, and per key among shared definitions (as Camunda's per tenant)
    __table_args__ = (Index("uq_process_definition_shared_version", "key", "version", unique=True,
                            postgresql_where=text("tenant_id IS NULL"), sqlite_where=text("tenant_id IS NULL")),
                      Index("uq_process_definition_county_version", "key", "tenant_id", "version", unique=True,
                            postgresql_where=text("tenant_id IS NOT NULL"),
                            sqlite_where=text("tenant_id IS NOT NULL")))
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"))
    resource_name: Mapped[str] = mapped_column(String(300))
    # the parsed process, read by the engine from a per-process cache (app/services/definitions.py); a start
    # or a catalogue page reading a definition row need not decode it
    spec: Mapped[dict[str, Any]] = mapped_column(deferred=True, deferred_group="engine")
    activities: Mapped[dict[str, Any]] = mapped_column(deferred=True, deferred_group="engine")
    suspended: Mapped[bool] = mapped_column(default=False)  # no new cases start while suspended
    tenant_id: Mapped[str | None] = mapped_column(String(64))  # its deployment's county; NULL: shared
    # days a finished case's history is kept (camunda:historyTimeToLive); NULL: the county's setting
    history_time_to_live: Mapped[int | None] = mapped_column()
    # camunda:versionTag, which a call activity bound by version tag looks for (app/services/called_instances.py)
    version_tag: Mapped[str | None] = mapped_column(String(255))


class FormDefinition(Base):
    __tablename__ = "form_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column()
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"))
    schema: Mapped[dict[str, Any]] = mapped_column()


ACTIVE_STARTED_WITH_KEY = "state = 'ACTIVE' AND business_key IS NOT NULL AND super_process_instance_id IS NULL"


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    # one active case per process and business key: a retried start cannot make a second one (migration 0017)
    # (migration 0032: instances a call activity started are not cases started, and may share their caller's key)
    # within a county (migration 0050: counties are tenants, kept apart; the province's own cases, tenant NULL,
    # have an index of their own, as a unique index counts NULLs as all different)
    __table_args__ = (Index("uq_process_instance_active_business_key", "tenant_id", "definition_key", "business_key",
                            unique=True, postgresql_where=text(ACTIVE_STARTED_WITH_KEY + " AND tenant_id IS NOT NULL"),
                            sqlite_where=text(ACTIVE_STARTED_WITH_KEY + " AND tenant_id IS NOT NULL")),
                      Index("uq_process_instance_active_business_key_province", "definition_key", "business_key",
                            unique=True, postgresql_where=text(ACTIVE_STARTED_WITH_KEY + " AND tenant_id IS NULL"),
                            sqlite_where=text(ACTIVE_STARTED_WITH_KEY + " AND tenant_id IS NULL")),
                      # a county's cases started since a day (compliance): its org paths' range, then the day
                      Index("ix_process_instance_org_started", "org_path", "started_at",
                            postgresql_ops={"org_path": "varchar_pattern_ops"}),
                      # what the nightly verification compares of a case row, read from the index alone (an
                      # index-only scan beside ix_audit_checkpoint_compared): no visit to the ~5 KB row per case
                      Index("ix_process_instance_compared", "id",
                            postgresql_include=["version", "last_event_hash", "row_version", "org_path", "tenant_id"],
                            postgresql_where=text("root_process_instance_id IS NULL")).ddl_if(dialect="postgresql"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definition.id"), index=True)
    definition_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    state: Mapped[str] = mapped_column(String(32))  # ACTIVE | COMPLETED | EXTERNALLY_TERMINATED
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    started_by: Mapped[str | None] = mapped_column(String(64))
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    workflow: Mapped[bytes] = mapped_column(LargeBinary)
    last_event_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    suspended: Mapped[bool] = mapped_column(default=False)  # its tasks, jobs and external tasks wait while suspended
    # the Camunda type a client gave a variable whose JSON value does not say it (Date, Short, Long, Object, File…)
    variable_types: Mapped[dict[str, Any] | None] = mapped_column()
    tenant_id: Mapped[str | None] = county_column()
    # a process instance a call activity started (Camunda's sub process instance): it runs inside the workflow of its
    # root case, which holds its state and its events; the instance whose call activity started it is its super one
    super_process_instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    root_process_instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # `version` is the number of the case's last event; a command moves the row only from the version it read
    # (app/store/writes.py), the one lock on a case
    # the version of the row itself (PostgreSQL): the id of the transaction that last wrote it, set by a trigger on
    # every INSERT and UPDATE whatever the statement says (migration 0041); a verified case's checkpoint names it.
    # Never written by the service; empty on SQLite, which keeps no row versions
    row_version: Mapped[int | None] = mapped_column(BigInteger)


class Task(Base):
    """An open user task, as the inbox reads it."""

    __tablename__ = "task"
    # varchar_pattern_ops: PostgreSQL serves `org_path LIKE '/sfx/cg/%'` from the index whatever the collation
    __table_args__ = (Index("ix_task_org_due", "org_path", "due", postgresql_ops={"org_path": "varchar_pattern_ops"}),
                      Index("ix_task_org_created", "org_path", "created",
                            postgresql_ops={"org_path": "varchar_pattern_ops"}))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    definition_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(200))
    activity_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    org_path: Mapped[str] = mapped_column(String(400))
    candidate_groups: Mapped[list[Any]] = mapped_column(default=list)
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    created: Mapped[datetime] = mapped_column()
    due: Mapped[datetime | None] = mapped_column()
    due_provisional: Mapped[bool] = mapped_column(default=False)
    follow_up: Mapped[datetime | None] = mapped_column()
    priority: Mapped[int] = mapped_column(default=50)
    form_key: Mapped[str | None] = mapped_column(String(200))
    local_variables: Mapped[dict[str, Any] | None] = mapped_column()  # camunda:inputParameter values
    suspended: Mapped[bool] = mapped_column(default=False)  # its case is suspended
    tenant_id: Mapped[str | None] = county_column()


class TaskCandidate(Base):
    """One row per (task, candidate group): the inbox joins on it by an index."""

    __tablename__ = "task_candidate"
    __table_args__ = (Index("ix_task_candidate_group", "group_id", "org_path", "task_id",
                            postgresql_ops={"org_path": "varchar_pattern_ops"}),)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_path: Mapped[str] = mapped_column(String(400))
    tenant_id: Mapped[str | None] = county_column()


class ExternalTask(Base):
    __tablename__ = "external_task"
    __table_args__ = (Index("ix_external_task_fetch", "topic", "lock_expiration"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    definition_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(200))
    activity_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    org_path: Mapped[str] = mapped_column(String(400))
    created: Mapped[datetime] = mapped_column()
    worker_id: Mapped[str | None] = mapped_column(String(200))
    lock_expiration: Mapped[datetime | None] = mapped_column()
    retries: Mapped[int | None] = mapped_column()
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(default=0)
    suspended: Mapped[bool] = mapped_column(default=False)  # its case is suspended
    tenant_id: Mapped[str | None] = county_column()


JOB_RETRIES = 3  # a job's tries before its failure is an incident


class Job(Base):
    """A timer waiting in a case; the scheduler fires due rows found by the index on `due`."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "due"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    definition_key: Mapped[str] = mapped_column(String(100))
    activity_id: Mapped[str] = mapped_column(String(200))
    org_path: Mapped[str] = mapped_column(String(400))
    type: Mapped[str] = mapped_column(String(32), default="timer")
    due: Mapped[datetime | None] = mapped_column()
    retries: Mapped[int] = mapped_column(default=JOB_RETRIES)
    exception_message: Mapped[str | None] = mapped_column(Text)
    failed_activity_id: Mapped[str | None] = mapped_column(String(200))  # the activity its last failure was in
    created: Mapped[datetime] = mapped_column()
    due_provisional: Mapped[bool] = mapped_column(default=False)  # counted Mon–Fri past the known calendar
    suspended: Mapped[bool] = mapped_column(default=False)  # its case is suspended: the scheduler leaves it
    tenant_id: Mapped[str | None] = county_column()
    # Camunda's job definition type and configuration (app/engine/observe.py `timer_job`), kept for its job log
    job_type: Mapped[str | None] = mapped_column(String(64))
    configuration: Mapped[str | None] = mapped_column(Text)


class JobLog(Base):
    """Every job's life (Camunda's historic job log): created, failed (its exception and stack trace), successful
    (fired), deleted (cancelled with its activity or case, removed by a migration or modification). Written by the
    command that sets or clears the job row, in the same statement (app/services/job_log.py)."""

    __tablename__ = "job_log"
    # partitioned by month of `logged_at` on PostgreSQL (migration 0035): the key there is (seq, logged_at)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), index=True)
    logged_at: Mapped[datetime] = mapped_column()  # Camunda's timestamp
    state: Mapped[str] = mapped_column(String(16))  # created | failed | successful | deleted
    job_id: Mapped[str] = mapped_column(String(36), index=True)
    job_due: Mapped[datetime | None] = mapped_column()
    job_retries: Mapped[int] = mapped_column()
    exception_message: Mapped[str | None] = mapped_column(Text)
    stacktrace: Mapped[str | None] = mapped_column(Text)  # a failure's
    failed_activity_id: Mapped[str | None] = mapped_column(String(200))
    job_type: Mapped[str | None] = mapped_column(String(64))
    configuration: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[str] = mapped_column(String(200))
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    definition_key: Mapped[str] = mapped_column(String(100))
    org_path: Mapped[str] = mapped_column(String(400))
    hostname: Mapped[str] = mapped_column(String(255))
    tenant_id: Mapped[str | None] = county_column()


class EventSubscription(Base):
    """A case waiting for a message (POST /message finds it by name and business key) or a signal (POST /signal)."""

    __tablename__ = "event_subscription"
    __table_args__ = (Index("ix_subscription_name", "event_name", "business_key"),)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200))
    activity_id: Mapped[str] = mapped_column(String(200))
    org_path: Mapped[str] = mapped_column(String(400))
    created: Mapped[datetime] = mapped_column()
    tenant_id: Mapped[str | None] = county_column()
    event_type: Mapped[str] = mapped_column(String(16), default="message", server_default="message")  # or signal


class Incident(Base):
    __tablename__ = "incident"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    activity_id: Mapped[str | None] = mapped_column(String(200))
    failed_activity_id: Mapped[str | None] = mapped_column(String(200))  # Camunda's: the activity the failure was in
    job_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    org_path: Mapped[str] = mapped_column(String(400))
    created: Mapped[datetime] = mapped_column()
    tenant_id: Mapped[str | None] = county_column()


class HistoryIncident(Base):
    """Every incident a case had (Camunda's historic incident): opened with its runtime row, ended when resolved.
    One still open on a case that ended was deleted with it (read so, not written)."""

    __tablename__ = "history_incident"
    # an incident id recurs: a job fails again; partitioned by month of `created` on PostgreSQL (migration 0031): the
    # key there is (seq, created)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), index=True)  # the runtime incident's id
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    activity_id: Mapped[str | None] = mapped_column(String(200))
    failed_activity_id: Mapped[str | None] = mapped_column(String(200))  # Camunda's: the activity the failure was in
    job_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    org_path: Mapped[str] = mapped_column(String(400))
    created: Mapped[datetime] = mapped_column()
    ended: Mapped[datetime | None] = mapped_column()  # resolved at
    tenant_id: Mapped[str | None] = county_column()
    history_configuration: Mapped[str | None] = mapped_column(String(36))  # a failed job's: its failure's job-log entry


class HistoryActivity(Base):
    """Every activity a case passed through, with start, end and who did it."""

    __tablename__ = "history_activity"
    __table_args__ = (Index("ix_history_activity_start", "start_time").ddl_if(dialect="postgresql"),)
    # the engine task id; partitioned by month of `start_time` on PostgreSQL (migration 0029): the key there is
    # (id, start_time), so an activity's end is set by an UPDATE of its id, not an upsert. A uuid on PostgreSQL
    # (migration 0040): a client's malformed id names no row (app/store/types.py)
    id: Mapped[str] = mapped_column(UuidText, primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    definition_key: Mapped[str] = mapped_column(String(100))
    activity_id: Mapped[str] = mapped_column(String(200))
    activity_name: Mapped[str] = mapped_column(String(200))
    activity_type: Mapped[str] = mapped_column(String(64))
    org_path: Mapped[str] = mapped_column(String(400))
    assignee: Mapped[str | None] = mapped_column(String(64))
    candidate_groups: Mapped[list[Any] | None] = mapped_column()
    due: Mapped[datetime | None] = mapped_column()
    start_time: Mapped[datetime] = mapped_column()
    end_time: Mapped[datetime | None] = mapped_column()
    canceled: Mapped[bool] = mapped_column(default=False)
    delete_reason: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int | None] = mapped_column()  # a user task's
    tenant_id: Mapped[str | None] = county_column()


class CaseEvent(Base):
    """Append-only log of every command on a case: who, when, what was given, what changed."""

    __tablename__ = "case_event"
    # also the index of a case's events; on PostgreSQL, partitioned by month of `at`, the key is (id, at) and the
    # unique (process_instance_id, seq, at): migration 0029 says what keeps a case's seqs unique there
    __table_args__ = (UniqueConstraint("process_instance_id", "seq"),)
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"))
    seq: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    command: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # what the command changed: its JSON compressed with the states' dictionary (migration 0044)
    changed: Mapped[dict[str, Any]] = mapped_column(PackedJSON, default=dict)
    # sha256 of the stored workflow after the command; like `hash`, stored as its 32 bytes, read as hex (migration
    # 0039)
    state_hash: Mapped[str] = mapped_column(Sha256)
    # sha256 of the event's content and the previous event's hash (app/domain/audit.py event_digest)
    hash: Mapped[str] = mapped_column(Sha256)
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)
    instance: Mapped["ProcessInstance"] = relationship()  # the case the event belongs to

    @property
    def prev_hash(self) -> str | None:
        """The previous event's `hash`, which this event's hash covers. Not stored (migration 0039): it is the hash
        of the event before it, so it is set on a case's events read in order (`chain_hashes`). Read unset, it is
        an error (not an AttributeError, which a template would show as nothing) rather than a silent None."""
        try:
            return self.__dict__["_prev_hash"]  # type: ignore[no-any-return]
        except KeyError:
            raise RuntimeError(f"case event {self.seq}: its previous hash was not set from its case's events "
                                 "(app/store/tables.py chain_hashes)") from None


def chain_hashes(events: "list[CaseEvent]") -> "list[CaseEvent]":
    """A case's events, read in order from its first, each given the previous one's hash as its `prev_hash`."""
    previous = None
    for event in events:
        event.__dict__["_prev_hash"] = previous
        previous = event.hash
    return events


class AuditCheckpoint(Base):
    """Where a case was last verified: its event `seq` (whose hash it names), the state and the data replay
    reached there, signed with the audit key. The nightly verification replays only the events after it."""

    __tablename__ = "audit_checkpoint"
    # what the nightly run compares, read from the index alone (PostgreSQL): the rows, wide with the saved state
    # and data, are read only for the cases that changed
    __table_args__ = (Index("ix_audit_checkpoint_compared", "process_instance_id",
                            postgresql_include=["seq", "event_hash", "state_hash", "variables_hash", "case_data_hash",
                                                "case_row_version", "case_identity_hash", "case_status_hash",
                                                "signature"]),)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)
    seq: Mapped[int] = mapped_column()
    event_hash: Mapped[str] = mapped_column(String(64))
    # the replayed workflow and data at `seq` (sha256 = `state_hash`; digest = `variables_hash`); both NULL (on
    # PostgreSQL) while the case row is as it was verified: they are the row's, which a trigger copies here on the
    # row's first write after (migration 0043)
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    state_hash: Mapped[str] = mapped_column(String(64))
    variables: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    variables_hash: Mapped[str] = mapped_column(String(64))  # app/domain/audit.py variables_digest(variables)
    # the sha256 of the case's stored data (process_instance.variables as stored) when it verified: the nightly
    # run finds a case unchanged by comparing hashes in SQL (app/store/digests.py), loading neither
    case_data_hash: Mapped[str] = mapped_column(String(64))
    # the version of the case row it was taken from (process_instance.row_version, which a trigger moves on every
    # write of the row; none on SQLite): while the row still has it, the nightly run confirms the case without
    # hashing its state and data
    case_row_version: Mapped[int | None] = mapped_column(BigInteger)
    # the sha256 of the case row's other columns as stored when it verified (app/store/digests.py
    # stored_row_sha256; app/services/verification.py IDENTITY and STATUS): those its start fixed, which never change,
    # and those its commands move, which change only with an event. None: signed before migration 0045
    case_identity_hash: Mapped[str | None] = mapped_column(String(64))
    case_status_hash: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column()


class ArchivedCase(Base):
    """A finished case past its retention, exported to a signed archive file and removed (flask history-cleanup)."""

    __tablename__ = "archived_case"
    process_instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)
    definition_id: Mapped[str] = mapped_column(String(120))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    ended_at: Mapped[datetime] = mapped_column()
    archive: Mapped[str] = mapped_column(String(300))  # the archive file's name
    archived_at: Mapped[datetime] = mapped_column()
    # the case's unit, which scopes who may be told of it; for a case archived before migration 0049, its county's
    # (its own is in its archive file only): those are shown to the county's users alone
    org_path: Mapped[str] = mapped_column(String(400))
    # the case whose call activity started it (archived in that case's line); NULL for a case, and for every row
    # archived before migration 0049
    root_process_instance_id: Mapped[str | None] = mapped_column(String(36))


class AuditRebaseline(Base):
    """An auditor's re-baseline of a case after an investigated verification failure (flask audit rebaseline): the
    case verified whole without its old checkpoint and was given a new one. Append-only on PostgreSQL (migration
    0048); kept when the case is archived and removed: it is the audit's own trail."""

    __tablename__ = "audit_rebaseline"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    process_instance_id: Mapped[str] = mapped_column(String(36), index=True)  # no FK: it outlives the case row
    tenant_id: Mapped[str | None] = county_column()
    org_path: Mapped[str] = mapped_column(String(400))  # the case's, which scopes who may read the record
    at: Mapped[datetime] = mapped_column()
    rebaselined_by: Mapped[str] = mapped_column(String(64))  # the name given (--by), else the OS user
    os_user: Mapped[str] = mapped_column(String(64))  # the account the command ran as
    reason: Mapped[str] = mapped_column(Text)
    # the checkpoint replaced (none: the case had none): its event, that event's hash then, its signature
    old_seq: Mapped[int | None] = mapped_column()
    old_event_hash: Mapped[str | None] = mapped_column(String(64))
    old_signature: Mapped[str | None] = mapped_column(String(64))
    new_seq: Mapped[int] = mapped_column()
    new_signature: Mapped[str] = mapped_column(String(64))


class CalendarYear(Base):
    """A year of official holidays and 调休 working days loaded by an admin (newer than chinesecalendar)."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holidays: Mapped[dict[str, Any]] = mapped_column()  # "YYYY-MM-DD" -> name
    workdays: Mapped[dict[str, Any]] = mapped_column()
    source: Mapped[str | None] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column()
    loaded_by: Mapped[str] = mapped_column(String(64))


class CalendarYearVersion(Base):
    """Every load of a year, kept so replay can use the data in force at a past moment."""

    __tablename__ = "calendar_year_version"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(index=True)
    holidays: Mapped[dict[str, Any]] = mapped_column()
    workdays: Mapped[dict[str, Any]] = mapped_column()
    source: Mapped[str | None] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column()
    loaded_by: Mapped[str] = mapped_column(String(64))


class CalendarGeneration(Base):
    """How many times the calendar changed (one row): a command that computes deadlines checks the calendar it
    holds is no older (app/store/calendar_generation.py)."""

    __tablename__ = "calendar_generation"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger)


class DeadlineRecompute(Base):
    """The open deadlines a calendar change moves, owed from the change's own transaction until worked off.

    The affected rows are those of `org_path` due from `since` on (a closure day), or the provisional ones (a loaded
    year); each batch moves `task_after` / `job_after` (the last id done, in id order) in its own transaction.
    """

    __tablename__ = "deadline_recompute"
    __table_args__ = (Index("ix_deadline_recompute_open", "id", postgresql_where=text("finished_at IS NULL"),
                            sqlite_where=text("finished_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    provisional: Mapped[bool] = mapped_column()
    org_path: Mapped[str | None] = mapped_column(String(400))
    since: Mapped[datetime | None] = mapped_column()
    cause: Mapped[str] = mapped_column(String(200))  # what changed: "closure 3 added", "year 2027 loaded"
    created: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))
    affected_tasks: Mapped[int] = mapped_column()  # counted by the change: how many are being moved
    affected_jobs: Mapped[int] = mapped_column()
    tasks: Mapped[int] = mapped_column(default=0)  # recomputed so far
    jobs: Mapped[int] = mapped_column(default=0)
    task_after: Mapped[str | None] = mapped_column(String(36))
    job_after: Mapped[str | None] = mapped_column(String(36))
    tasks_done: Mapped[bool] = mapped_column(default=False)
    finished_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(2000))  # the last failed batch's, retried next poll


class CalendarClosure(Base):
    """A local closure day (flood, epidemic): not a working day for deadlines of cases under `org_path`.

    A withdrawn closure keeps its row with `removed_at`, so replay knows it was in force before then.
    """

    __tablename__ = "calendar_closure"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    org_path: Mapped[str] = mapped_column(String(400))  # a county or a township
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[str | None] = mapped_column(String(64))


class Escalation(Base):
    """A deadline passed on a task (a non-interrupting timer fired): the supervisor follows it up."""

    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_state", "state", "org_path"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200))
    definition_key: Mapped[str] = mapped_column(String(100))
    org_path: Mapped[str] = mapped_column(String(400))
    timer_activity_id: Mapped[str] = mapped_column(String(200))
    activity_id: Mapped[str | None] = mapped_column(String(200))  # the late activity the timer is attached to
    task_id: Mapped[str | None] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="OPEN")  # OPEN | ACKNOWLEDGED | CLOSED
    assignee: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = county_column()


class AccessLog(Base):
    """Who read a case's personal data, when, and through what (append-only, read by auditors)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_case", "process_instance_id", "at"),
                      Index("ix_access_log_at", "at", "id").ddl_if(dialect="postgresql"))
    # partitioned by month of `at` on PostgreSQL (migration 0029): the key there is (id, at)
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column()
    username: Mapped[str] = mapped_column(String(64))
    process_instance_id: Mapped[str] = mapped_column(String(36))
    org_path: Mapped[str] = mapped_column(String(400))
    what: Mapped[str] = mapped_column(String(100))  # e.g. "process-instance variables", "audit state at event 3"
    masked: Mapped[bool] = mapped_column(default=False)
    tenant_id: Mapped[str | None] = county_column()


class TaskDraft(Base):
    """What a user typed into a task's form and saved without completing (the web 保存草稿)."""

    __tablename__ = "task_draft"
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # no FK: the task row goes on completion
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(String(36), index=True)
    values: Mapped[dict[str, Any]] = mapped_column()
    saved_at: Mapped[datetime] = mapped_column()
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class SavedFilter(Base):
    """An inbox filter and search a user saved under a name (待办 常用筛选), picked again from the inbox."""

    __tablename__ = "saved_filter"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    params: Mapped[dict[str, Any]] = mapped_column()
    saved_at: Mapped[datetime] = mapped_column()


class HouseholdFinding(Base):
    """A 虚报冒领 finding recorded on a household (keyed by the applicant's 身份证号码) when a review stage finds it."""

    __tablename__ = "household_finding"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "fraud"
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200))
    definition_key: Mapped[str] = mapped_column(String(100))
    org_path: Mapped[str] = mapped_column(String(400))
    stage: Mapped[str] = mapped_column(String(64))  # township_review | county_review | recheck
    reason: Mapped[str] = mapped_column(Text)
    found_by: Mapped[str] = mapped_column(String(64))
    found_at: Mapped[datetime] = mapped_column()
    tenant_id: Mapped[str | None] = county_column()


class Content(Base):
    """The bytes of a Bytes or File variable or an attachment, by their sha256; reached only through a case."""

    __tablename__ = "content"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created: Mapped[datetime] = mapped_column()


class ContentUse(Base):
    """Which case references which content (an attachment's bytes, a Bytes or File variable's value, now or in
    its history): written by the command that stores or references the content, in its transaction; the history
    clean-up removes a content with the last case that uses it (app/services/contents.py). A content a call
    activity's instance uses is its root case's."""

    __tablename__ = "content_use"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), primary_key=True, index=True)
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class ApiToken(Base):
    """A per-integration bearer token: only its sha256 is stored; it acts as its owner until revoked."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64), ForeignKey("app_user.username"), index=True)
    created: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser session: the cookie carries a token whose sha256 is this row's id; logging out ends it
    here, so a copied cookie stops working even though its signature is still valid."""

    __tablename__ = "web_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), ForeignKey("app_user.username"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A sign-in attempt being checked (`failed_at` NULL) or that failed, kept for the rate limit (per username and
    client address, in a time window); an attempt that succeeds removes the pair's rows."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_who", "username", "remote_addr", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    failed_at: Mapped[datetime | None]


class Benefit(Base):
    """A 低保 or 特困 household approved for payment: the facts the monthly roll reads (app/domain/benefits.py).

    Kept by the command path in the transaction of the step that changed them, never read from workflows.
    """

    __tablename__ = "benefit"
    __table_args__ = (Index("ix_benefit_county", "county_path", "township_path"),)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    definition_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(200))
    org_path: Mapped[str] = mapped_column(String(400))
    township_path: Mapped[str] = mapped_column(String(400))
    county_path: Mapped[str] = mapped_column(String(400))
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    id_number: Mapped[str | None] = mapped_column(String(18))
    household_size: Mapped[int | None] = mapped_column()
    income_fen: Mapped[int | None] = mapped_column(BigInteger)  # the last assessed monthly (per-capita) income
    bank_account: Mapped[str | None] = mapped_column(String(40))
    account_problem: Mapped[str | None] = mapped_column(String(200))  # why it cannot be paid into, or NULL
    payment_from: Mapped[str] = mapped_column(String(7))
    updated_at: Mapped[datetime] = mapped_column()
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class BenefitChange(Base):
    """From `effective_month` on, the household is paid `amount_fen` a month (0: not paid); never changed."""

    __tablename__ = "benefit_change"
    __table_args__ = (Index("ix_benefit_change_case", "process_instance_id", "effective_month"),
                      Index("ix_benefit_change_county", "county_path", "recorded_at"))
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"))
    county_path: Mapped[str] = mapped_column(String(400))
    effective_month: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column()
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class PayrollRun(Base):
    """One payment run of a county for a month: the regular roll, or a correction run after it froze."""

    __tablename__ = "payroll_run"
    __table_args__ = (UniqueConstraint("county_path", "month", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    county_path: Mapped[str] = mapped_column(String(400))
    month: Mapped[str] = mapped_column(String(7))
    number: Mapped[int] = mapped_column()  # 0: the regular run; 1, 2…: correction runs
    business_key: Mapped[str] = mapped_column(String(200), unique=True)  # of its `payroll` case
    state: Mapped[str] = mapped_column(String(16))  # building | review | frozen
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column()
    built_at: Mapped[datetime | None] = mapped_column()
    # facts recorded from this moment on may have missed the roll (a command that began before the build and
    # committed after it): later runs look at them again for what is still owed
    facts_from: Mapped[datetime | None] = mapped_column()
    lines: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    held_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # lines not sent to the bank (no valid account)
    frozen_at: Mapped[datetime | None] = mapped_column()
    frozen_by: Mapped[str | None] = mapped_column(String(64))
    ledger_first: Mapped[int | None] = mapped_column(BigInteger)  # the county ledger's seq of its first entry
    ledger_last: Mapped[int | None] = mapped_column(BigInteger)
    ledger_head: Mapped[str | None] = mapped_column(String(64))  # the hash of its last ledger entry


class PayrollLine(Base):
    """One household's payment for one month in a run (the month's amount, or a month paid late: 补发)."""

    __tablename__ = "payroll_line"
    __table_args__ = (UniqueConstraint("run_id", "seq"), Index("ix_payroll_line_case", "process_instance_id", "month"),
                      Index("ix_payroll_line_township", "run_id", "township_path", "seq"),
                      Index("ix_payroll_line_run_case", "run_id", "process_instance_id"))
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id"))
    seq: Mapped[int] = mapped_column()  # 序号 in the bank file
    process_instance_id: Mapped[str] = mapped_column(String(36))
    definition_key: Mapped[str] = mapped_column(String(100))
    township_path: Mapped[str] = mapped_column(String(400))
    month: Mapped[str] = mapped_column(String(7))  # the month the amount is for
    kind: Mapped[str] = mapped_column(String(16))  # regular | back_pay (补发)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    previous_fen: Mapped[int | None] = mapped_column(BigInteger)  # the household's line in the last regular roll
    status: Mapped[str] = mapped_column(String(8))  # pay | held (not sent: no valid bank account)
    flags: Mapped[str] = mapped_column(String(100), default="")  # new, changed, back_pay, account
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    id_number: Mapped[str | None] = mapped_column(String(18))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    account_problem: Mapped[str | None] = mapped_column(String(200))
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class PaymentLedger(Base):
    """The county's payment ledger: each entry chained to the one before by its hash; never changed.

    `ordered` when a roll freezes (one per line sent to the bank), `paid` or `failed` from the bank's result.
    """

    __tablename__ = "payment_ledger"
    __table_args__ = (UniqueConstraint("county_path", "seq"), Index("ix_payment_ledger_case", "process_instance_id"),
                      Index("ix_payment_ledger_line", "line_id"))
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    county_path: Mapped[str] = mapped_column(String(400))
    seq: Mapped[int] = mapped_column(BigInteger)
    run_id: Mapped[int] = mapped_column(Integer)
    line_id: Mapped[int] = mapped_column(BigInteger)
    process_instance_id: Mapped[str] = mapped_column(String(36))
    month: Mapped[str] = mapped_column(String(7))
    entry: Mapped[str] = mapped_column(String(16))  # ordered | paid | failed
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class LedgerHead(Base):
    """The last entry of a county's ledger: locked to append, checked against the chain by audit-verify."""

    __tablename__ = "ledger_head"
    county_path: Mapped[str] = mapped_column(String(400), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class IdempotencyKey(Base):
    """A command's Idempotency-Key, recorded in the command's own transaction, with the answer it was given."""

    __tablename__ = "idempotency_key"
    owner: Mapped[str] = mapped_column(String(64), primary_key=True)  # keys are the user's own
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the method, path and body
    created_at: Mapped[datetime] = mapped_column(index=True)
    # the answer: written with the key when known before the commit (a 204), else stored just after it (None until)
    status: Mapped[int | None] = mapped_column()
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_id: Mapped[str | None] = mapped_column(String(64))  # the case a start created, in its transaction (0053)
class NoticeTemplate(Base):
    """A version of the template of one notice kind (`notices/<kind>.notice`), immutable once deployed."""

    __tablename__ = "notice_template"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)  # the notice kind
    version: Mapped[int] = mapped_column()
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"))
    text: Mapped[str] = mapped_column(Text)


class Notice(Base):
    """A notice of a decision issued on a case (append-only): its text whole and as masked roles see it.

    The event that issued it (command `notice`, seq) records both texts' sha256; verification renders
    the template again from the replayed case and checks both against the event and this row.
    """

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("process_instance_id", "seq"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"))
    seq: Mapped[int] = mapped_column()  # the case event that issued it
    org_path: Mapped[str] = mapped_column(String(400))
    business_key: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(String(120))
    task_id: Mapped[str] = mapped_column(String(36))  # the handover task that opened with it
    activity_id: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    masked_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    masked_sha256: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = county_column()


class Attachment(Base):
    """A file or a link attached to a case or to one of its tasks (Camunda's task attachments).

    The bytes are a content (by their sha256); the event that added it records the hash, the one that
    removed it says so. Read only through a case the reader may read (app/services/attachments.py).
    """

    __tablename__ = "attachment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)  # None: attached to the case itself
    activity_id: Mapped[str | None] = mapped_column(String(200))  # the task's step
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(255))  # Camunda's free attachment type, e.g. a MIME type
    url: Mapped[str | None] = mapped_column(String(2000))  # a link instead of content
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    media_type: Mapped[str | None] = mapped_column(String(100))  # what the bytes are (sniffed), None: unknown
    created: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)


class CasePerson(Base):
    """Who a case is about, by 身份证号码 (its applicant and its household's members): 一户一档 finds a household's
    other cases through it. Kept in step with the case's variables by the command that sets them."""

    __tablename__ = "case_person"
    process_instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True, index=True)
    tenant_id: Mapped[str | None] = county_column(from_org_path=False)
