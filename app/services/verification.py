"""The nightly verification of every case, which scales with what changed since the last night.

A case that verifies keeps a checkpoint: its last verified event by seq and hash, the state and data replay
reached there, the hashes of the case's data and of its row's other columns as stored then (IDENTITY, STATUS), all
signed with the audit key (HMAC).

Each night one query per range of a few thousand case ids compares each case's row with its checkpoint: its last
event (`version`) and last event hash and, on PostgreSQL, the row's version (`row_version`, the transaction that
last wrote the row, which a trigger moves on any write whatever the statement says; migration 0041), which the
checkpoint names and signs. On PostgreSQL the query reads two covering indexes and no case row. A case whose row
still has the checkpoint's version, at a checkpoint whose signature holds, is unchanged: it is confirmed without
loading its events, state or data, or hashing anything. A row written since is hashed by the database
(app/store/digests.py) and confirmed if its stored state, data and other columns still hash as the checkpoint
says; its
checkpoint is then signed again with the row's new version. Where the database keeps no row versions (SQLite)
every row is hashed. Every other case — changed, never verified, or whose
checkpoint's signature fails — is verified in full: its whole chain re-hashed, its notices and attachments
checked, its checkpoint checked against the events it names, and the events after it replayed. Each night
also verifies in full one in `rehash_every` unchanged cases (chosen by the case id and the date, so every case
is re-hashed once in that many nights whatever anyone writes in the database).

What the comparison finds the same night: a checkpointed history re-chained (its last hash moves), events
added or removed through the case row, the stored state, data or any other column of the row changed (business
key, org path, county, starter, definition, state, end, suspension, variable types; whoever wrote the row: its
version moves, and a checkpoint given the new version without the key fails its signature), a checkpoint changed or
forged without the key. What only the whole-chain check finds (the night a case's turn comes, a night it changes, or
`--full`): an event edited in place or removed without touching the case row — on PostgreSQL that takes
disabling the append-only trigger (migration 0007) as the table's owner —, the case row's state or data changed
with its version held — that takes disabling the row-version trigger (0041) as the table's owner —, a changed
notice (its texts, or its kind, date, unit, business key, task, step or template, compared with its event and the
case) or attachment, a checkpoint's saved state or data changed (harmless until used: they are checked before
any replay starts from them), a deployment changed under an unchanged case. A full replay (`full`) re-runs every
event of every case, in several processes.

The full verification checks the row's columns against the log (app/services/case_row_audit.py); what the log does
not record (the org path, the declared variable types) must hash as the checkpoint signed it: the org path always,
the variable types while no event has come since. A case never verified has no checkpoint to hold those two to.

What the database refuses on PostgreSQL (migration 0046), so that it takes what editing an event takes (disabling
the trigger as the table's owner, or a superuser's replicating session): deleting a checkpoint or moving it back to
an earlier event — which would have the next night verify a consistently rewritten history as new and sign it —
outside the history clean-up; an event appended that its case row's version does not reach at commit, a second
event with a seq taken, or one dated before the case's rows may be. The verification itself never deletes a
checkpoint: it writes over it, and never back. SQLite keeps none of these triggers, as it keeps no append-only one.

The key rotates (`VerificationRun.retired`): checkpoints are signed with the current key only; one whose signature
fails under it is tried under the retired keys, and one that holds there is treated as signed, and signed again with
the current key once confirmed (its verdict names the retired key), so the common case costs one HMAC as before.
An auditor re-baselines a case after an investigated failure (app/services/rebaseline.py).
"""

import hashlib
import hmac
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.domain import clock
from app.domain.actors import Actor
from app.domain.audit import (
    AuditKeys,
    checkpoint_signature,
    checkpoint_signer,
    key_id,
    state_digest,
    variables_digest,
)
from app.store.digests import has_row_versions, stored_row_sha256, stored_sha256
from app.store.partitions import earliest_row_of
from app.store.tables import AuditCheckpoint, CaseEvent, ProcessInstance
from app.store.tenancy import in_scope

from .attachment_audit import stored_attachments_problem
from .audit import Verdict, chain_problem, definition_problem, replay_from, verdict_of
from .calendar_history import CalendarsInForce
from .notice_audit import stored_notices_problem
from .replay import DefinitionsAtHand
from .runtime import Runtime


@dataclass(frozen=True)
class VerificationRun:
    key: bytes  # the audit key, which signs checkpoints
    full: bool = False  # replay every event, not only those after each case's checkpoint
    processes: int = 1
    batch: int = 200  # cases loaded and verified in full together
    triage: int = 5000  # cases compared with their checkpoints in one query (the nightly run)
    rehash_every: int = 30  # each night, one unchanged case in this many is verified in full all the same
    night: int = 0  # the night's number (a date's ordinal), which picks those cases; 0: today
    retired: tuple[bytes, ...] = ()  # keys `key` replaced: a checkpoint signed with one holds, and is signed again

    @property
    def keys(self) -> AuditKeys:
        return AuditKeys(self.key, self.retired)


def verify_cases(rt: Runtime, actor: Actor, run: VerificationRun) -> Iterator[Verdict]:
    """Verify every case in the actor's scope, a batch at a time (in `run.processes` processes); keep a signed
    checkpoint for each case that verifies."""
    actor.require("audit.verify")
    if not run.full and not run.night:
        run = replace(run, night=clock.now().toordinal())
    batches: Iterator[list[str]] | Iterator[tuple[str, str | None]] = \
        _batches(rt, actor, run.batch) if run.full else _ranges(rt, run.triage)
    if run.processes <= 1:
        for batch in batches:
            yield from _verify(rt, actor, run, batch)
        return
    context = multiprocessing.get_context("fork")  # the children share the loaded code and definitions
    with context.Pool(run.processes, initializer=_forked, initargs=(rt, actor, run)) as pool:
        for verdicts in pool.imap(_verify_in_child, batches):
            yield from verdicts


def _verify(rt: Runtime, actor: Actor, run: VerificationRun, batch) -> list[Verdict]:
    """Verify a batch of cases by their ids (`--full`), or the nightly run over a range of ids."""
    if run.full:
        return verify_batch(rt, run, batch)
    return _night(rt, run, in_range(actor, *batch))


def in_range(actor: Actor, after: str, upto: str | None) -> list:
    """The cases in the actor's scope (not called instances, which are verified with their case) whose id lies in
    the range (after, upto]; upto None: to the end. On PostgreSQL, what the night reads of them is in
    ix_process_instance_compared, whose rows are those of cases not called."""
    return [in_scope(ProcessInstance, actor), ProcessInstance.root_process_instance_id.is_(None),
            ProcessInstance.id > after, *([ProcessInstance.id <= upto] if upto else [])]


def _ranges(rt: Runtime, size: int) -> Iterator[tuple[str, str | None]]:
    """Every process instance's id in ranges of `size` (after, up to; None: to the end), found by reading the
    primary key's index alone: the nightly run reads each range's cases (those in scope, not called) in one
    index range scan, and no list of ids travels through the service."""
    last = ""
    while True:
        with rt.reading() as uow:
            upto = uow.session.scalar(select(ProcessInstance.id).where(ProcessInstance.id > last)
                                      .order_by(ProcessInstance.id).offset(size - 1).limit(1))
        yield last, upto
        if upto is None:
            return
        last = upto


def _batches(rt: Runtime, actor: Actor, size: int) -> Iterator[list[str]]:
    last = ""
    while True:
        with rt.reading() as uow:
            ids = list(uow.session.scalars(select(ProcessInstance.id).where(
                in_scope(ProcessInstance, actor), ProcessInstance.id > last,
                ProcessInstance.root_process_instance_id.is_(None))  # a called instance is verified with its case
                .order_by(ProcessInstance.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


_child: tuple[Runtime, Actor, VerificationRun] | None = None


def _forked(rt: Runtime, actor: Actor, run: VerificationRun) -> None:
    """A child process's own connections: those it inherited belong to the parent."""
    global _child
    _child = (rt, actor, run)
    with rt.session_factory() as session:
        session.get_bind().dispose(close=False)


def _verify_in_child(batch) -> list[Verdict]:
    rt, actor, run = _child
    return _verify(rt, actor, run, batch)


# the case row's columns beside its state and data, each hashed as one: those its start fixed, which no command
# changes, and those its commands move (each with an event); the full verification checks them against the log
# (app/services/case_row_audit.py) and a checkpoint signs their hashes
IDENTITY = (ProcessInstance.business_key, ProcessInstance.org_path, ProcessInstance.tenant_id,
            ProcessInstance.started_by, ProcessInstance.started_at, ProcessInstance.definition_key)
STATUS = (ProcessInstance.definition_id, ProcessInstance.state, ProcessInstance.ended_at, ProcessInstance.suspended,
          ProcessInstance.variable_types)


def row_hashes() -> list:
    """The sha256 of the case row's stored data, identity and status columns, computed by the database."""
    return [stored_sha256(ProcessInstance.variables).label("stored_data_hash"),
            stored_row_sha256(*IDENTITY).label("stored_identity_hash"),
            stored_row_sha256(*STATUS).label("stored_status_hash")]


def _compared(hashed: bool):
    """Each case's row beside its checkpoint, as the nightly run compares them: the row's last event and version
    and, `hashed`, the sha256 of its stored state, data and other columns (computed by the database, which reads
    ~5 KB a case)."""
    hashes = [stored_sha256(ProcessInstance.workflow).label("stored_state_hash"), *row_hashes()] if hashed else []
    return (select(ProcessInstance.id, ProcessInstance.version, ProcessInstance.last_event_hash,
                   ProcessInstance.row_version,
                   AuditCheckpoint.seq, AuditCheckpoint.event_hash, AuditCheckpoint.state_hash,
                   AuditCheckpoint.variables_hash, AuditCheckpoint.case_data_hash, AuditCheckpoint.case_row_version,
                   AuditCheckpoint.case_identity_hash, AuditCheckpoint.case_status_hash,
                   AuditCheckpoint.signature, *hashes)  # in this order: the night unpacks the first thirteen
            .outerjoin(AuditCheckpoint, AuditCheckpoint.process_instance_id == ProcessInstance.id))


def verify_night(rt: Runtime, run: VerificationRun, ids: list[str]) -> list[Verdict]:
    """Confirm the cases `ids` that are as their signed checkpoint left them; verify the others, and tonight's
    share of the unchanged, in full (`verify_batch`).

    On PostgreSQL one query reads each row's version (`row_version`) beside its checkpoint's: a row nobody has written
    since its checkpoint is confirmed on that alone. A row written since (by the service without a new event, or
    behind its back) is hashed by the database and confirmed if its state and data still hash as the checkpoint
    says (and its other columns as the checkpoint's row hashes say), which is then signed again with the row's new
    version. Where the database keeps no row versions
    (SQLite), the first query hashes every row."""
    return _night(rt, run, [ProcessInstance.id.in_(ids)])


def _night(rt: Runtime, run: VerificationRun, where: list) -> list[Verdict]:
    with rt.reading() as uow:  # one statement: one moment; plain rows (no ORM loading: millions a night)
        versions = has_row_versions(uow.session.get_bind().dialect.name)
        rows = uow.session.connection().execute(_compared(hashed=not versions).where(*where)).all()
    keys = run.keys
    sign, compare = checkpoint_signer(keys.current), hmac.compare_digest
    confirmed, rewritten, others, resigned = [], [], [], []
    for row in rows:  # the checks of `_signed_at_last_event`, written out: this loop runs once per case a night
        case_id, version, last_hash, row_version, seq, event_hash, state_hash, variables_hash, data_hash, \
            checkpoint_version, identity_hash, status_hash, signature = row[:13]
        if seq is None or version != seq or last_hash != event_hash or _rehash_tonight(run, case_id):
            others.append(case_id)
            continue
        retired = None
        if not compare(sign(case_id, seq, event_hash, state_hash, variables_hash, data_hash, checkpoint_version,
                            identity_hash, status_hash), signature):
            retired = keys.retired_checkpoint_key(
                signature, case_id, seq, event_hash, state_hash, variables_hash, data_hash, checkpoint_version,
                identity_hash, status_hash) if keys.retired else None
            if retired is None:  # signed under no key the service holds: forged
                others.append(case_id)
                continue
        if versions and row_version != checkpoint_version:
            rewritten.append(case_id)
        elif not versions and not _hashes_hold(row):
            others.append(case_id)
        elif retired is None:
            confirmed.append(Verdict(case_id, True, seq))
        else:  # as unchanged as one signed with the current key: signed again with it, so none needs the old key
            confirmed.append(Verdict(case_id, True, seq, retired_key=key_id(retired)))
            resigned.append(_signed_again(sign, row, checkpoint_version))
    _sign_again(rt, resigned)
    if rewritten:
        held, changed = _rehashed(rt, run, rewritten)
        confirmed.extend(held)
        others.extend(changed)
    for first in range(0, len(others), run.batch):
        confirmed.extend(verify_batch(rt, run, others[first:first + run.batch]))
    return sorted(confirmed, key=lambda verdict: verdict.case_id)


def _rehashed(rt: Runtime, run: VerificationRun, ids: list[str]) -> tuple[list[Verdict], list[str]]:
    """Compare the rows written since their checkpoint by their hashes: those whose state, data and other columns
    hash as the checkpoint says are confirmed and their checkpoint signed again with the row's version; return
    them, and the ids of the others."""
    with rt.reading() as uow:
        rows = uow.session.connection().execute(_compared(hashed=True).where(ProcessInstance.id.in_(ids))).all()
    held, resigned, changed = [], [], []
    keys = run.keys
    signer = checkpoint_signer(keys.current)
    for row in rows:
        signed, retired = _signed_at_last_event(keys, row)
        if signed and _hashes_hold(row):
            held.append(Verdict(row.id, True, row.seq, retired_key=key_id(retired) if retired else None))
            resigned.append(_signed_again(signer, row, row.row_version))
        else:
            changed.append(row.id)
    _sign_again(rt, resigned)
    return held, changed


def _signed_again(signer: Callable[..., str], row, version: int | None) -> dict:
    """The checkpoint of a confirmed case's `row` signed with the current key (`signer`), for the row's `version`."""
    return {"pid": row.id, "old": row.signature, "version": version,
            "signature": signer(row.id, row.seq, row.event_hash, row.state_hash, row.variables_hash,
                                row.case_data_hash, version, row.case_identity_hash, row.case_status_hash)}


def _sign_again(rt: Runtime, resigned: list[dict]) -> None:
    """Sign confirmed checkpoints again (`_signed_again`): only those nobody replaced meanwhile, none moved."""
    if not resigned:
        return
    table = AuditCheckpoint.__table__
    with rt.unit_of_work() as uow:
        uow.session.execute(update(table).where(table.c.process_instance_id == bindparam("pid"),
                                                table.c.signature == bindparam("old"))
                            .values(case_row_version=bindparam("version"), signature=bindparam("signature")),
                            resigned)
        uow.commit()


def _signed_at_last_event(keys: AuditKeys, row) -> tuple[bool, bytes | None]:
    """Whether the case has a checkpoint at its last event (by seq and hash) whose signature holds; and the retired
    key it holds under, where not the current one."""
    if row.seq is None or row.version != row.seq or row.last_event_hash != row.event_hash:
        return False, None
    signed = (row.id, row.seq, row.event_hash, row.state_hash, row.variables_hash, row.case_data_hash,
              row.case_row_version, row.case_identity_hash, row.case_status_hash)
    if hmac.compare_digest(checkpoint_signer(keys.current)(*signed), row.signature):
        return True, None
    retired = keys.retired_checkpoint_key(row.signature, *signed)
    return retired is not None, retired


def _hashes_hold(row) -> bool:
    """The case's stored state, data and other columns hash as its checkpoint says (a checkpoint signed before
    migration 0045 has no row hashes: its case is verified in full, once)."""
    return (row.stored_state_hash, row.stored_data_hash, row.stored_identity_hash, row.stored_status_hash) == \
        (row.state_hash, row.case_data_hash, row.case_identity_hash, row.case_status_hash)


def _rehash_tonight(run: VerificationRun, case_id: str) -> bool:
    """Whether tonight is the case's turn to be verified in full although unchanged: once in `rehash_every`
    nights, by its id (which nobody can change) and the night."""
    turn = int.from_bytes(hashlib.sha256(case_id.encode()).digest()[:4], "big") % run.rehash_every
    return turn == run.night % run.rehash_every


def verify_batch(rt: Runtime, run: VerificationRun, ids: list[str]) -> list[Verdict]:
    """Verify the cases `ids` as of one moment, then keep a checkpoint for each that verified at a new event (or
    whose stored data was written again since its checkpoint)."""
    with rt.reading(snapshot=True) as uow:
        session = uow.session
        cases = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids))
                                     .order_by(ProcessInstance.id)))
        stored = stored_rows(session, ids)
        events: dict[str, list[CaseEvent]] = {case_id: [] for case_id in ids}
        # plain rows, not mapped objects: a night reads millions of events and changes none
        since = min((earliest_row_of(c.started_at) for c in cases), default=None)
        for event in session.execute(select(*CaseEvent.__table__.c).where(CaseEvent.process_instance_id.in_(ids),
                                                                          *([CaseEvent.at >= since] if since else []))
                                     .order_by(CaseEvent.process_instance_id, CaseEvent.seq)):
            events[event.process_instance_id].append(event)
        checkpoints = {c.process_instance_id: c for c in session.scalars(
            select(AuditCheckpoint).where(AuditCheckpoint.process_instance_id.in_(ids)))}
        definitions, calendars = DefinitionsAtHand(session), CalendarsInForce(session)
        verdicts, kept = [], []
        for case in cases:
            verdict, checkpoint = _verify_case(session, run, case, events[case.id], checkpoints.get(case.id),
                                               definitions, calendars, stored[case.id])
            verdicts.append(verdict)
            if checkpoint is not None:
                kept.append(checkpoint)
    if kept:
        with rt.unit_of_work() as uow:
            by_reference(uow.session, kept)
            uow.session.execute(checkpoint_upsert(uow.session.get_bind().dialect.name), kept)
            uow.commit()
    return verdicts


def checkpoint_upsert(dialect: str):
    """Write checkpoints over the cases' own, never moving one back: where a run that read the case later has
    already written a checkpoint at a later event, it stays. A checkpoint is never deleted (on PostgreSQL a
    trigger refuses it, and lowering its seq, outside the history clean-up; migration 0046)."""
    table = AuditCheckpoint.__table__
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.process_instance_id],
        set_={c.name: statement.excluded[c.name] for c in table.c if c.name != "process_instance_id"},
        where=table.c.seq <= statement.excluded.seq)


def by_reference(session, kept: list[dict]) -> None:
    """Where the database keeps row versions (PostgreSQL), a checkpoint whose case row has not been written since it
    was read keeps no copy of the row's state and data: a trigger copies them into it on the row's first write after
    (migration 0043). The rows found unchanged stay locked (FOR SHARE) until the checkpoints are in, so no write
    slips between; a row a writer holds at that moment is skipped, not waited for, and its checkpoint keeps a copy."""
    if not has_row_versions(session.get_bind().dialect.name):
        return
    current = dict(session.execute(
        select(ProcessInstance.id, ProcessInstance.row_version)
        .where(ProcessInstance.id.in_([c["process_instance_id"] for c in kept]))
        .with_for_update(read=True, skip_locked=True)).tuples().all())
    for checkpoint in kept:
        version = checkpoint["case_row_version"]
        if version is not None and current.get(checkpoint["process_instance_id"]) == version:
            checkpoint["state"] = checkpoint["variables"] = None


@dataclass(frozen=True)
class StoredRow:
    """What a case row hashes to as stored (app/store/digests.py), and its version (PostgreSQL)."""

    data_hash: str
    identity_hash: str
    status_hash: str
    version: int | None

    def kept_by(self, checkpoint: AuditCheckpoint) -> bool:
        """The checkpoint was taken from this very row."""
        return (checkpoint.case_data_hash, checkpoint.case_identity_hash, checkpoint.case_status_hash,
                checkpoint.case_row_version) == (self.data_hash, self.identity_hash, self.status_hash, self.version)


def stored_rows(session, ids: list[str]) -> dict[str, StoredRow]:
    """What each case row of `ids` hashes to as stored, by id."""
    return {row.id: StoredRow(*row[1:]) for row in session.execute(
        select(ProcessInstance.id, *row_hashes(), ProcessInstance.row_version).where(ProcessInstance.id.in_(ids)))}


def _verify_case(session, run: VerificationRun, case: ProcessInstance, events: list[CaseEvent],
                 checkpoint: AuditCheckpoint | None, definitions, calendars,
                 stored: StoredRow) -> tuple[Verdict, dict | None]:
    found = chain_problem(case, events) or stored_notices_problem(session, case, events) \
        or stored_attachments_problem(session, case, events)
    saved = saved_at(case, checkpoint) if checkpoint is not None else None
    if found is None and checkpoint is not None:
        found = checkpoint_problem(run.keys, case, events, checkpoint, *saved) or \
            row_problem(checkpoint, events, stored)
    found = found or definition_problem(case, events, definitions)
    if found is not None:
        return verdict_of(session, case, events, found), None
    start = {} if run.full or checkpoint is None else {"seq": checkpoint.seq, "state": saved[0], "variables": saved[1]}
    replayed = replay_from(session, case, events, definitions, calendars, **start)
    verdict = verdict_of(session, case, events, replayed.problem)
    retired = retired_key(run.keys, checkpoint) if checkpoint is not None and verdict.ok else None
    if retired is not None:  # signed again below with the current key, though the case has not moved
        verdict = replace(verdict, retired_key=key_id(retired))
    elif not verdict.ok or (checkpoint is not None and checkpoint.seq == len(events) and stored.kept_by(checkpoint)):
        return verdict, None
    return verdict, new_checkpoint(run.key, case, events[-1], replayed.state, replayed.variables, stored.data_hash,
                                   stored.version, stored.identity_hash, stored.status_hash)


def saved_at(case: ProcessInstance, checkpoint: AuditCheckpoint) -> tuple[bytes, dict]:
    """The state and data the case had at its checkpoint: the checkpoint's copies, or, where it keeps none (migration
    0043), the case row's, which nobody has written since (a write would have copied them into the checkpoint)."""
    state = case.workflow if checkpoint.state is None else checkpoint.state
    variables = (case.variables or {}) if checkpoint.variables is None else checkpoint.variables
    return state, variables


def _signed(checkpoint: AuditCheckpoint) -> tuple:
    """What a checkpoint's signature is over, in the order `checkpoint_signature` takes it."""
    return (checkpoint.process_instance_id, checkpoint.seq, checkpoint.event_hash, checkpoint.state_hash,
            checkpoint.variables_hash, checkpoint.case_data_hash, checkpoint.case_row_version,
            checkpoint.case_identity_hash, checkpoint.case_status_hash)


def _current_signature_holds(keys: AuditKeys, checkpoint: AuditCheckpoint) -> bool:
    return hmac.compare_digest(checkpoint_signature(keys.current, *_signed(checkpoint)), checkpoint.signature or "")


def retired_key(keys: AuditKeys, checkpoint: AuditCheckpoint) -> bytes | None:
    """The retired key the checkpoint's signature holds under, where the current key's does not."""
    if not keys.retired or _current_signature_holds(keys, checkpoint):
        return None
    return keys.retired_checkpoint_key(checkpoint.signature, *_signed(checkpoint))


def checkpoint_problem(key: bytes | AuditKeys, case: ProcessInstance, events: list[CaseEvent],
                       checkpoint: AuditCheckpoint, state: bytes, variables: dict) -> tuple[int, str] | None:
    """The checkpoint is the case's, signed with the audit key (or one it replaced), the events up to it are those
    it was signed over, and the `state` and `variables` it was taken at (`saved_at`) are those it signed."""
    keys = AuditKeys.of(key)
    if checkpoint.process_instance_id != case.id or \
            (not _current_signature_holds(keys, checkpoint) and retired_key(keys, checkpoint) is None):
        return checkpoint.seq, "审计检查点的签名无效（检查点被修改或伪造）"
    if checkpoint.seq > len(events) or events[checkpoint.seq - 1].hash != checkpoint.event_hash:
        return min(checkpoint.seq, len(events) + 1), "已核验的事件与签名的审计检查点不符（已核验的事件被改写或删除）"
    state_hash, variables_hash = state_digest(state), variables_digest(variables)
    if (checkpoint.state is None and state_hash != checkpoint.state_hash) or \
            (checkpoint.variables is None and variables_hash != checkpoint.variables_hash):
        return checkpoint.seq, "案件的存储状态或数据在审计检查点之后被改写，却未在检查点留下改写前的副本"
    if variables_hash != checkpoint.variables_hash:
        return checkpoint.seq, "审计检查点的签名无效（检查点被修改或伪造）"
    if events[checkpoint.seq - 1].state_hash != checkpoint.state_hash or state_hash != checkpoint.state_hash:
        return checkpoint.seq, "审计检查点保存的状态与已核验的事件不符"
    return None


def row_problem(checkpoint: AuditCheckpoint, events: list[CaseEvent], stored: StoredRow) -> tuple[int, str] | None:
    """The case row's columns the log cannot prove (its org path, its declared variable types) are as its checkpoint
    signed them: those its start fixed always, those its commands move while no event has come since."""
    if checkpoint.case_identity_hash is not None and stored.identity_hash != checkpoint.case_identity_hash:
        return len(events), "案件记录的所属单位、业务标识或发起信息在审计检查点之后被改写"
    if checkpoint.case_status_hash is not None and checkpoint.seq == len(events) and \
            stored.status_hash != checkpoint.case_status_hash:
        return len(events), "案件记录的状态、流程定义或变量类型在审计检查点之后被改写，却没有相应的事件"
    return None


def new_checkpoint(key: bytes, case: ProcessInstance, last: CaseEvent, state: bytes, variables: dict,
                   case_data_hash: str, case_row_version: int | None = None, case_identity_hash: str | None = None,
                   case_status_hash: str | None = None) -> dict:
    """The signed checkpoint of a case verified up to its event `last`, whose data was stored as `case_data_hash`
    and its other columns as `case_identity_hash` and `case_status_hash` in the version `case_row_version` of its
    row."""
    variables_hash = variables_digest(variables)
    return {"process_instance_id": case.id, "tenant_id": case.tenant_id, "seq": last.seq, "event_hash": last.hash,
            "state": state, "state_hash": last.state_hash, "variables": variables, "variables_hash": variables_hash,
            "case_data_hash": case_data_hash, "case_row_version": case_row_version,
            "case_identity_hash": case_identity_hash, "case_status_hash": case_status_hash,
            "signature": checkpoint_signature(key, case.id, last.seq, last.hash, last.state_hash, variables_hash,
                                              case_data_hash, case_row_version, case_identity_hash,
                                              case_status_hash),
            "verified_at": clock.now()}
