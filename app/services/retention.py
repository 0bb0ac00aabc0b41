"""History clean-up, as Camunda's: a finished case past its retention (its process's historyTimeToLive, else its
county's `history_time_to_live_days`) is written to a signed archive file and removed from the database.

The archive is JSON lines: a header, one line per case (the case row with its stored state, its whole event
chain, notices, history, attachments, findings, escalations, benefit facts and read log), and a last line
holding the HMAC-SHA256 of every line before it under the audit key. A case is removed only in the transaction
that records where it was archived, and only if it has not moved since it was written out. An archived case
still verifies from its file (`verify_archive`): the file's signature, the chain, the notices, the definition
it ran on and a replay of every event to the archived state.
"""

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import LargeBinary, delete, select, text
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.county_settings import SETTINGS
from app.domain.errors import Forbidden, ValidationFailed
from app.store.tables import (
    AccessLog,
    ArchivedCase,
    Attachment,
    AuditCheckpoint,
    Benefit,
    BenefitChange,
    CaseEvent,
    CasePerson,
    CountySetting,
    Escalation,
    EventSubscription,
    ExternalTask,
    HistoryActivity,
    HistoryIncident,
    HouseholdFinding,
    Incident,
    Job,
    JobLog,
    Notice,
    ProcessDefinition,
    ProcessInstance,
    Task,
    TaskCandidate,
    TaskDraft,
    chain_hashes,
)
from app.store.types import UTCDateTime

from .audit import Verdict, chain_problem, definition_problem, missing_definition, replay_from, verdict_of
from .calendar_history import CalendarsInForce
from .notice_audit import notices_problem
from .partition_upkeep import drop_emptied_partitions
from .replay import DefinitionsAtHand
from .runtime import Runtime

SETTING = "history_time_to_live_days"
FORMAT = "assistance-history-archive/1"
# what an archive line keeps of a case besides its row and events, by the name the line gives it
KEPT = {"notices": Notice, "history": HistoryActivity, "attachments": Attachment, "findings": HouseholdFinding,
        "escalations": Escalation, "benefits": Benefit, "benefit_changes": BenefitChange, "reads": AccessLog,
        "persons": CasePerson}
# every row of a case, removed in this order (the case row last)
REMOVED = (Task, ExternalTask, Job, EventSubscription, Incident, HistoryIncident, JobLog, HistoryActivity, Escalation,
           HouseholdFinding, Notice, Attachment, TaskDraft, AuditCheckpoint, CaseEvent, AccessLog, BenefitChange,
           Benefit, CasePerson)


@dataclass(frozen=True)
class Cleanup:
    archive: Path | None  # None: no case was due
    archived: int  # cases written to the archive and removed
    skipped: int = 0  # written, but changed before their removal: left for the next run
    partitions_dropped: tuple[str, ...] = ()  # month partitions (PostgreSQL) the removal emptied, dropped whole


def clean_up_history(rt: Runtime, actor: Actor, key: bytes, folder: Path, county: str | None = None,
                     batch: int = 200) -> Cleanup:
    """Archive and remove every finished case past its retention (of one county, if given: county by county,
    as the tables would be distributed); return the archive file and the count."""
    if not actor.trusted:
        raise Forbidden("历史清理只能由服务自身（flask history-cleanup）进行")
    moment = clock.now()
    due = due_cases(rt, moment, county)
    if not due:
        return Cleanup(None, 0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"history-{moment:%Y%m%dT%H%M%SZ}-{uuid4().hex[:8]}.jsonl"
    written = _write_archive(rt, path, key, moment, due, batch)
    removed = sum(_remove(rt, path.name, dict(chunk), moment) for chunk in _chunks(list(written.items()), batch))
    return Cleanup(path, removed, len(written) - removed, tuple(drop_emptied_partitions(rt)))


def due_cases(rt: Runtime, moment: datetime, county: str | None = None) -> list[str]:
    """The finished cases (of `county`, or all) whose retention has passed at `moment`, by id."""
    with rt.reading() as uow:
        session = uow.session
        county_days = {row.county_path: int(row.value.get("value")) for row in session.scalars(
            select(CountySetting).where(CountySetting.key == SETTING))}
        default = int(SETTINGS[SETTING].default)
        shortest = min([default, *county_days.values(), *(d for d in session.scalars(
            select(ProcessDefinition.history_time_to_live).where(
                ProcessDefinition.history_time_to_live.is_not(None))))])
        query = select(ProcessInstance.id, ProcessInstance.ended_at, ProcessInstance.org_path,
                       ProcessDefinition.history_time_to_live) \
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id) \
            .where(ProcessInstance.state != "ACTIVE", ProcessInstance.ended_at.is_not(None),
                   ProcessInstance.ended_at < moment - timedelta(days=shortest))
        if county is not None:
            query = query.where(ProcessInstance.tenant_id == county)
        rows = session.execute(query.order_by(ProcessInstance.id))
        return [row.id for row in rows
                if row.ended_at + timedelta(days=_days(row, county_days, default)) < moment]


def _days(row, county_days: dict[str, int], default: int) -> int:
    if row.history_time_to_live is not None:
        return row.history_time_to_live
    return county_days.get("/" + row.org_path.strip("/").split("/")[0] + "/", default)


def _chunks(items: list, size: int) -> Iterator[list]:
    for first in range(0, len(items), size):
        yield items[first:first + size]


def _write_archive(rt: Runtime, path: Path, key: bytes, moment: datetime, due: list[str],
                   batch: int) -> dict[str, str]:
    """Write the cases to a signed archive file; return case id -> the last event hash it was written at."""
    signer, written = hmac.new(key, digestmod=hashlib.sha256), {}
    with path.open("wb") as out:
        def line(value: dict) -> None:
            # key order kept: a replay sets variables in the order the event recorded them, as the state holds them
            data = (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            out.write(data)
            signer.update(data)

        line({"format": FORMAT, "created_at": moment.isoformat(), "cases": len(due)})
        for chunk in _chunks(due, batch):
            with rt.reading(snapshot=True) as uow:
                for case_line in _case_lines(uow.session, chunk):
                    line(case_line)
                    written[case_line["case"]["id"]] = case_line["case"]["last_event_hash"]
        out.write((json.dumps({"signature": signer.hexdigest(), "algorithm": "HMAC-SHA256"}) + "\n").encode())
        out.flush()
        os.fsync(out.fileno())
    return written


def _case_lines(session: Session, ids: list[str]) -> Iterator[dict]:
    cases = session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)).order_by(ProcessInstance.id))
    related = {name: _by_case(session, model, ids) for name, model in KEPT.items()}
    events = _by_case(session, CaseEvent, ids, CaseEvent.seq)
    for case in cases:
        yield {"case": to_json(case), "events": events_json(events.get(case.id, [])),
               **{name: [to_json(r) for r in rows.get(case.id, [])] for name, rows in related.items()}}


def _by_case(session: Session, model, ids: list[str], order=None) -> dict[str, list]:
    rows: dict[str, list] = {}
    query = select(model).where(model.process_instance_id.in_(ids))
    for row in session.scalars(query.order_by(order) if order is not None else query):
        rows.setdefault(row.process_instance_id, []).append(row)
    return rows


def to_json(row) -> dict:
    """A row as JSON: times as ISO-8601 UTC, bytes as base64."""
    out = {}
    for column in row.__table__.c:
        value = getattr(row, column.key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode()
        out[column.key] = value
    return out


def events_json(events: list[CaseEvent]) -> list[dict]:
    """A case's events, in order from its first, as the archive keeps them: each with the previous event's hash as
    `prev_hash` (before its `hash`, where the table had that column until migration 0039)."""
    out = []
    for event in chain_hashes(events):
        row = to_json(event)
        out.append({**{k: v for k, v in row.items() if k not in ("hash", "tenant_id")}, "prev_hash": event.prev_hash,
                    "hash": row["hash"], "tenant_id": row["tenant_id"]})
    return out


def from_json(model, values: dict):
    """A detached row of `model` from its archived JSON."""
    kwargs = {}
    for column in model.__table__.c:
        value = values.get(column.key)
        if value is not None and isinstance(column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, LargeBinary):
            value = base64.b64decode(value)
        kwargs[column.key] = value
    return model(**kwargs)


def _remove(rt: Runtime, archive: str, written: dict[str, str], moment: datetime) -> int:
    """Remove the archived cases that have not moved since they were written; record where each went."""
    with rt.unit_of_work() as uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":  # the append-only tables let this transaction delete
            session.execute(text("SET LOCAL assistance.history_cleanup = 'on'"))
        cases = [c for c in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(list(written)))
                                            .with_for_update())
                 if c.last_event_hash == written[c.id] and c.state != "ACTIVE"]
        ids = [c.id for c in cases]
        if not ids:
            return 0
        session.execute(delete(TaskCandidate).where(TaskCandidate.task_id.in_(
            select(Task.id).where(Task.process_instance_id.in_(ids)))))
        for model in REMOVED:
            session.execute(delete(model).where(model.process_instance_id.in_(ids)))
        session.add_all(ArchivedCase(process_instance_id=c.id, tenant_id=c.tenant_id, definition_id=c.definition_id,
                                     business_key=c.business_key, ended_at=c.ended_at, archive=archive,
                                     archived_at=moment) for c in cases)
        session.flush()
        session.execute(delete(ProcessInstance).where(ProcessInstance.id.in_(ids)))
        uow.commit()
        return len(ids)


@dataclass(frozen=True)
class ArchivedLine:
    """One case of an archive file, as rows again: the case, its events (with the previous hash each recorded)
    and its notices."""

    case: ProcessInstance
    events: list[CaseEvent]
    recorded: list[str | None]
    notices: list[Notice]


def read_archive(path: Path, key: bytes) -> Iterator[ArchivedLine]:
    """The cases of an archive file, once its signature holds; a file that is not a whole signed archive, or a
    line that is not a case, is refused naming the file and the line."""
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except OSError as err:
        raise ValidationFailed(f"档案文件 {path} 无法读取：{err.strerror}", field="archive") from err
    if len(lines) < 2:
        raise ValidationFailed(f"{path.name} 不是完整的档案文件", field="archive")
    last = _json_line(path, len(lines), lines[-1])
    signature = last.get("signature") if isinstance(last, dict) else None
    if not isinstance(signature, str):
        raise ValidationFailed(f"档案文件 {path.name} 的最后一行（第 {len(lines)} 行）不是签名（文件不完整或被修改）",
                               field="archive")
    signer = hmac.new(key, b"".join(lines[:-1]), hashlib.sha256)
    if not hmac.compare_digest(signer.hexdigest().encode(), signature.encode()):
        raise ValidationFailed(f"档案文件 {path.name} 的签名无效（文件被修改或不是本服务生成的）", field="archive")
    for number, line in enumerate(lines[1:-1], start=2):
        yield _archived_line(path, number, _json_line(path, number, line))


def _json_line(path: Path, number: int, line: bytes):
    try:
        return json.loads(line.decode())
    except UnicodeDecodeError as err:
        raise ValidationFailed(f"档案文件 {path.name} 第 {number} 行不是 UTF-8 文本", field="archive") from err
    except json.JSONDecodeError as err:
        raise ValidationFailed(f"档案文件 {path.name} 第 {number} 行不是完整的 JSON（文件被截断或被修改）",
                               field="archive") from err


def _archived_line(path: Path, number: int, line) -> ArchivedLine:
    """A case line as rows; only a key holder's forgery can sign a line that is not one."""
    try:
        events = line["events"]
        return ArchivedLine(from_json(ProcessInstance, line["case"]), [from_json(CaseEvent, e) for e in events],
                            [e.get("prev_hash") for e in events], [from_json(Notice, n) for n in line["notices"]])
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValidationFailed(f"档案文件 {path.name} 第 {number} 行不是案件记录（{type(err).__name__}: {err}）",
                               field="archive") from err


def verify_archive(rt: Runtime, actor: Actor, path: Path, key: bytes) -> list[Verdict]:
    """Verify an archive file: its signature, then each case from its lines alone (with the definitions and
    calendars still in the database): chain, notices, definition, and a replay to its archived state."""
    actor.require("audit.verify")
    with rt.reading() as uow:
        definitions, calendars = DefinitionsAtHand(uow.session), CalendarsInForce(uow.session)
        return [_verify_archived(uow.session, line, definitions, calendars) for line in read_archive(path, key)]


def _verify_archived(session: Session, line: ArchivedLine, definitions, calendars) -> Verdict:
    case, events = line.case, line.events
    missing = missing_definition(case, events, definitions)
    if missing is not None:  # nothing to replay on, nor the marks a verdict is masked by: the verdict names it
        return Verdict(case.id, False, len(events), 1, missing)
    found = chain_problem(case, events, line.recorded) or notices_problem(line.notices, events)
    found = found or definition_problem(case, events, definitions) or replay_from(
        session, case, events, definitions, calendars).problem
    return verdict_of(session, case, events, found)
