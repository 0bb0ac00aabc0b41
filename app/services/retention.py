"""History clean-up, as Camunda's: a finished case past its retention (its process's historyTimeToLive, else its
county's `history_time_to_live_days`) is written to a signed archive file and removed from the database.

The archive is JSON lines: a header, one line per case (the case row with its stored state, its whole event
chain, notices, history, attachments, findings, escalations, benefit facts, read log, and the bytes of every
content the case and its called instances ever used, once each), and a last line holding the HMAC-SHA256 of every
line before it under the audit key. As Camunda gives a process tree its root's
removal time, a case is due when its root case is, and an instance a call activity started is archived in its root
case's line (`called`) and removed with it. A case is removed only in the transaction that records where it was
archived, and only if it has neither moved nor been read since it was written out; a content it used goes with
it, in that transaction, unless another case still uses it. An archived case still verifies from its file
(`verify_archive`): the file's signature, the chain, the notices, the contents its events refer to, the definition
it ran on and a replay of every event to the archived state.
"""

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import LargeBinary, delete, func, or_, select, text
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.audit import AuditKeys, key_id
from app.domain.contents import referenced_in
from app.domain.county_settings import SETTINGS
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.retention import retention_ends
from app.store.tables import (
    AccessLog,
    ArchivedCase,
    Attachment,
    AuditCheckpoint,
    Benefit,
    BenefitChange,
    CaseEvent,
    CasePerson,
    Content,
    ContentUse,
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

from .archived_contents import ArchivedContent, archived_content, changed_contents, contents_problem
from .audit import Verdict, chain_problem, definition_problem, missing_definition, replay_from, verdict_of
from .calendar_history import CalendarsInForce
from .contents import release_contents
from .notice_audit import notices_problem
from .partition_upkeep import drop_emptied_partitions
from .replay import DefinitionsAtHand
from .runtime import Runtime
from .settings import county_unit

SETTING = "history_time_to_live_days"
FORMAT = "assistance-history-archive/2"
WITHOUT_CONTENTS = "assistance-history-archive/1"  # written before archives kept contents: its lines have none
# what an archive line keeps of a case besides its row and events, by the name the line gives it
KEPT = {"notices": Notice, "history": HistoryActivity, "attachments": Attachment, "findings": HouseholdFinding,
        "escalations": Escalation, "benefits": Benefit, "benefit_changes": BenefitChange, "reads": AccessLog,
        "persons": CasePerson}
# every row of a case, removed in this order (then its read log, as written out; the case row last)
REMOVED = (Task, ExternalTask, Job, EventSubscription, Incident, HistoryIncident, JobLog, HistoryActivity, Escalation,
           HouseholdFinding, Notice, Attachment, TaskDraft, AuditCheckpoint, CaseEvent, BenefitChange, Benefit,
           CasePerson, ContentUse)


@dataclass(frozen=True)
class Written:
    """What a case was written out as: its last event's hash, the ids of its read log and the sha256 of the
    contents its line holds (with its called instances')."""

    last_event_hash: str | None
    reads: frozenset[int]
    contents: frozenset[str]


@dataclass(frozen=True)
class Cleanup:
    archive: Path | None  # None: no case was due
    archived: int  # cases written to the archive and removed
    skipped: int = 0  # written, but changed or read before their removal: left for the next run
    partitions_dropped: tuple[str, ...] = ()  # month partitions (PostgreSQL) the removal emptied, dropped whole
    taken: int = 0  # written, but archived and removed meanwhile by another run (recorded with its file)


def clean_up_history(rt: Runtime, actor: Actor, key: bytes, folder: Path, county: str | None = None,
                     batch: int = 200) -> Cleanup:
    """Archive and remove every finished case past its retention (of one county, if given: county by county,
    as the tables would be distributed); return the archive file and the count."""
    if not actor.trusted:
        raise Forbidden("历史清理只能由服务自身（flask history-cleanup）进行")
    moment = clock.now()
    if county is not None:
        with rt.reading() as uow:
            county_unit(uow.session, actor, county)
    due = due_cases(rt, moment, county)
    if not due:
        return Cleanup(None, 0)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"history-{moment:%Y%m%dT%H%M%SZ}-{uuid4().hex[:8]}.jsonl"
    written = _write_archive(rt, path, key, moment, due, batch)
    removed = taken = 0
    for chunk in _chunks(list(written.items()), batch):
        gone, elsewhere = _remove(rt, path.name, dict(chunk), moment)
        removed, taken = removed + gone, taken + elsewhere
    return Cleanup(path, removed, len(written) - removed - taken, tuple(drop_emptied_partitions(rt)), taken)


def due_cases(rt: Runtime, moment: datetime, county: str | None = None) -> list[str]:
    """The finished root cases (of `county`, or all) whose retention has passed at `moment`, by id; the instances
    their call activities started go with them, whatever their own processes' retention."""
    with rt.reading() as uow:
        session = uow.session
        county_days, default = county_retention(session)
        shortest = min([default, *county_days.values(), *(d for d in session.scalars(
            select(ProcessDefinition.history_time_to_live).where(
                ProcessDefinition.history_time_to_live.is_not(None))))])
        query = select(ProcessInstance.id, ProcessInstance.ended_at, ProcessInstance.org_path,
                       ProcessDefinition.history_time_to_live) \
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id) \
            .where(ProcessInstance.root_process_instance_id.is_(None), ProcessInstance.state != "ACTIVE",
                   ProcessInstance.ended_at.is_not(None),
                   ProcessInstance.ended_at < moment - timedelta(days=shortest))
        if county is not None:
            query = query.where(ProcessInstance.tenant_id == county)
        rows = session.execute(query.order_by(ProcessInstance.id))
        return [row.id for row in rows if (ends := removal_time(row, county_days, default)) is not None
                and ends < moment]


def county_retention(session: Session) -> tuple[dict[str, int], int]:
    """The `history_time_to_live_days` each county set, by the county's path, and the default of the others."""
    return ({row.county_path: int(row.value.get("value")) for row in session.scalars(
        select(CountySetting).where(CountySetting.key == SETTING))}, int(SETTINGS[SETTING].default))


def removal_time(row, county_days: dict[str, int], default: int) -> datetime | None:
    """When the clean-up removes a finished root case (`row`: its `ended_at`, `org_path` and its definition's
    `history_time_to_live`), with the instances its call activities started: its end plus its process's days, else
    its county's (Camunda's removal time, strategy "end"); None when that is past the last date (never)."""
    return retention_ends(row.ended_at, kept_days(row.history_time_to_live, row.org_path, county_days, default))


def kept_days(definition_days: int | None, org_path: str, county_days: dict[str, int], default: int) -> int:
    """How many days a case of a unit at `org_path` is kept after its end: its process's, else its county's."""
    if definition_days is not None:
        return definition_days
    return county_days.get("/" + org_path.strip("/").split("/")[0] + "/", default)


def _chunks(items: list, size: int) -> Iterator[list]:
    for first in range(0, len(items), size):
        yield items[first:first + size]


def _write_archive(rt: Runtime, path: Path, key: bytes, moment: datetime, due: list[str],
                   batch: int) -> dict[str, Written]:
    """Write the cases to a signed archive file that only the service's account may read; return what each case
    was written out as, by id."""
    signer, written = hmac.new(key, digestmod=hashlib.sha256), {}
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
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
                    written[case_line["case"]["id"]] = Written(case_line["case"]["last_event_hash"], frozenset(
                        read["id"] for part in (case_line, *case_line["called"]) for read in part["reads"]),
                        frozenset(c["sha256"] for c in case_line["contents"]))
        out.write((json.dumps({"signature": signer.hexdigest(), "algorithm": "HMAC-SHA256"}) + "\n").encode())
        out.flush()
        os.fsync(out.fileno())
    return written


def _case_lines(session: Session, ids: list[str]) -> Iterator[dict]:
    """The line of each case, holding those of the instances its call activities started (which have no events:
    the case's own record what moved them), and the contents they used."""
    tree = list(session.scalars(select(ProcessInstance).where(_in_trees(ids)).order_by(ProcessInstance.id)))
    related = {name: _by_case(session, model, [c.id for c in tree]) for name, model in KEPT.items()}
    events = _by_case(session, CaseEvent, ids, CaseEvent.seq)
    uses = _by_case(session, ContentUse, ids)

    def rows(case: ProcessInstance) -> dict:
        return {"case": to_json(case), **{name: [to_json(r) for r in rows.get(case.id, [])]
                                          for name, rows in related.items()}}

    for case in tree:
        if case.root_process_instance_id is None:
            called = [c for c in tree if c.root_process_instance_id == case.id]
            used = {u.sha256 for u in uses.get(case.id, [])} | {
                sha for e in events.get(case.id, []) for sha in referenced_in(e.inputs)} | {
                a.sha256 for c in (case, *called) for a in related["attachments"].get(c.id, []) if a.sha256}
            yield {**rows(case), "events": events_json(events.get(case.id, [])),
                   "called": [rows(c) for c in called], "contents": _contents(session, used)}


def _contents(session: Session, used: set[str]) -> list[dict]:
    """The stored contents among `used`, with their bytes (read case by case: a line's files are in memory at once,
    not a batch's); one the database no longer holds is not in the line, which its verification then names."""
    if not used:
        return []
    return [{"sha256": sha, "size": size, "data": base64.b64encode(data).decode()}
            for sha, size, data in session.execute(select(Content.sha256, Content.size, Content.data).where(
                Content.sha256.in_(used)).order_by(Content.sha256))]


def _in_trees(ids: list[str]):
    """The cases `ids` and the instances their call activities started."""
    return or_(ProcessInstance.id.in_(ids), ProcessInstance.root_process_instance_id.in_(ids))


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


def _remove(rt: Runtime, archive: str, written: dict[str, Written], moment: datetime) -> tuple[int, int]:
    """Remove the archived cases, with their called instances, that have neither moved nor been read since they
    were written, and their read log as written; record where each went. Return how many were removed, and how
    many another run had archived and removed meanwhile."""
    with rt.unit_of_work() as uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":  # the append-only tables let this transaction delete
            session.execute(text("SET LOCAL assistance.history_cleanup = 'on'"))
        roots = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(list(written)))
                                     .with_for_update()))
        taken = session.scalar(select(func.count()).select_from(ArchivedCase).where(
            ArchivedCase.process_instance_id.in_(set(written) - {c.id for c in roots}))) or 0
        cases = _as_written(session, roots, written)
        ids = [c.id for c in cases]
        if not ids:
            return 0, taken
        session.execute(delete(TaskCandidate).where(TaskCandidate.task_id.in_(
            select(Task.id).where(Task.process_instance_id.in_(ids)))))
        for model in REMOVED:
            session.execute(delete(model).where(model.process_instance_id.in_(ids)))
        # a read logged after this check stays (a case read as it goes is not lost from the log)
        session.execute(delete(AccessLog).where(AccessLog.process_instance_id.in_(ids), AccessLog.id.in_(
            [read for c in cases if c.root_process_instance_id is None for read in written[c.id].reads])))
        # only bytes the archive holds; their uses by these cases are gone, others' keep them
        release_contents(session, {sha for c in cases if c.root_process_instance_id is None
                                   for sha in written[c.id].contents})
        session.add_all(ArchivedCase(process_instance_id=c.id, tenant_id=c.tenant_id, definition_id=c.definition_id,
                                     business_key=c.business_key, ended_at=c.ended_at, archive=archive,
                                     archived_at=moment, org_path=c.org_path,
                                     root_process_instance_id=c.root_process_instance_id) for c in cases)
        session.flush()
        session.execute(delete(ProcessInstance).where(ProcessInstance.id.in_(ids)))
        uow.commit()
        return sum(c.root_process_instance_id is None for c in cases), taken


def _as_written(session: Session, roots: list[ProcessInstance], written: dict[str, Written]) -> list[ProcessInstance]:
    """The finished cases among `roots` still as they were written out (events and read log), with their called
    instances."""
    tree = {c.id: c for c in session.scalars(select(ProcessInstance).where(_in_trees([c.id for c in roots])))}
    reads: dict[str, set[int]] = {c.id: set() for c in roots}
    for read, case_id in session.execute(select(AccessLog.id, AccessLog.process_instance_id).where(
            AccessLog.process_instance_id.in_(list(tree)))):
        reads[tree[case_id].root_process_instance_id or case_id].add(read)
    kept = {c.id for c in roots if c.state != "ACTIVE"
            and (c.last_event_hash, reads[c.id]) == (written[c.id].last_event_hash, written[c.id].reads)}
    return [c for c in tree.values() if (c.root_process_instance_id or c.id) in kept]


@dataclass(frozen=True)
class ArchivedLine:
    """One case of an archive file, as rows again: the case, its events (with the previous hash each recorded),
    its notices, the contents it holds (None: written before archives held them) and the sha256 of the files
    attached to the case and its called instances."""

    case: ProcessInstance
    events: list[CaseEvent]
    recorded: list[str | None]
    notices: list[Notice]
    contents: dict[str, ArchivedContent] | None = None
    attached: tuple[str, ...] = ()


def read_archive(path: Path, key: bytes | AuditKeys) -> Iterator[ArchivedLine]:
    """The cases of an archive file, once its signature holds; a file that is not a whole signed archive, or a
    line that is not a case, is refused naming the file and the line."""
    yield from _cases(path, signed_lines(path, key)[0])


def signed_lines(path: Path, key: bytes | AuditKeys) -> tuple[list[bytes], str | None]:
    """The lines of an archive file whose signature holds under the audit key or a key it replaced, and that
    retired key's id (None: the current key)."""
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
    keys = AuditKeys.of(key)
    signed_with = keys.archive_key(b"".join(lines[:-1]), signature)
    if signed_with is None:
        raise ValidationFailed(f"档案文件 {path.name} 的签名无效：当前及已停用的审计密钥下均不成立（文件被修改或不是"
                               f"本服务生成的）{changed_contents(lines[1:-1])}", field="archive")
    if _format(path, lines) not in (FORMAT, WITHOUT_CONTENTS):
        raise ValidationFailed(f"档案文件 {path.name} 第 1 行不是本服务的档案格式（{_format(path, lines)}）",
                               field="archive")
    return lines, None if signed_with == keys.current else key_id(signed_with)


def _format(path: Path, lines: list[bytes]):
    header = _json_line(path, 1, lines[0])
    return header.get("format") if isinstance(header, dict) else None


def _cases(path: Path, lines: list[bytes]) -> Iterator[ArchivedLine]:
    with_contents = _format(path, lines) == FORMAT
    for number, line in enumerate(lines[1:-1], start=2):
        yield _archived_line(path, number, _json_line(path, number, line), with_contents)


def _json_line(path: Path, number: int, line: bytes):
    try:
        return json.loads(line.decode())
    except UnicodeDecodeError as err:
        raise ValidationFailed(f"档案文件 {path.name} 第 {number} 行不是 UTF-8 文本", field="archive") from err
    except json.JSONDecodeError as err:
        raise ValidationFailed(f"档案文件 {path.name} 第 {number} 行不是完整的 JSON（文件被截断或被修改）",
                               field="archive") from err


def _archived_line(path: Path, number: int, line, with_contents: bool = True) -> ArchivedLine:
    """A case line as rows; only a key holder's forgery can sign a line that is not one."""
    try:
        events = line["events"]
        contents, attached = None, ()
        if with_contents:  # (what an archive written before held is read as it was)
            contents = {c.sha256: c for c in map(archived_content, line["contents"])}
            attached = tuple(a["sha256"] for part in (line, *line["called"]) for a in part["attachments"]
                             if a["sha256"])
        return ArchivedLine(from_json(ProcessInstance, line["case"]), [from_json(CaseEvent, e) for e in events],
                            [e.get("prev_hash") for e in events], [from_json(Notice, n) for n in line["notices"]],
                            contents, attached)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValidationFailed(f"档案文件 {path.name} 第 {number} 行不是案件记录（{type(err).__name__}: {err}）",
                               field="archive") from err


def verify_archive(rt: Runtime, actor: Actor, path: Path, key: bytes | AuditKeys,
                   case_id: str | None = None) -> list[Verdict]:
    """Verify an archive file: its signature, then each case (or only the case `case_id`) from its lines alone
    (with the definitions and calendars still in the database): chain, notices, definition, and a replay to its
    archived state. A file signed with a retired key says which in each verdict."""
    actor.require("audit.verify")
    lines, retired = signed_lines(path, key)
    with rt.reading() as uow:
        definitions, calendars = DefinitionsAtHand(uow.session), CalendarsInForce(uow.session)
        return [replace(_verify_archived(uow.session, line, definitions, calendars), retired_key=retired)
                for line in _cases(path, lines) if case_id is None or line.case.id == case_id]


def _verify_archived(session: Session, line: ArchivedLine, definitions, calendars) -> Verdict:
    case, events = line.case, line.events
    missing = missing_definition(case, events, definitions)
    if missing is not None:  # nothing to replay on, nor the marks a verdict is masked by: the verdict names it
        return Verdict(case.id, False, len(events), 1, missing)
    found = chain_problem(case, events, line.recorded) or notices_problem(line.notices, events) \
        or contents_problem(events, line.contents, line.attached)
    found = found or definition_problem(case, events, definitions) or replay_from(
        session, case, events, definitions, calendars).problem
    return verdict_of(session, case, events, found)
