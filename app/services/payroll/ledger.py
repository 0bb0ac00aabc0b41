"""The county payment ledger: append-only entries, each hashing its content and the entry before it.

A roll's freeze appends an `ordered` entry per line sent to the bank; the bank's result a `paid` or
`failed` entry per line it answers. The head (last seq and hash) is locked while appending, so a
county's entries form one unbroken chain; `verify_ledgers` walks every chain, compares each
`ordered` entry with its frozen line and each frozen run with the head its case recorded — in the case's log,
or, once the case is archived (flask history-cleanup), in the signed archive file that holds it.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.domain.audit import LEDGER_FIELDS, AuditKeys, ledger_digest, ledger_time
from app.domain.errors import DomainError
from app.domain.orgs import tenant_of
from app.store.bulk import bulk_insert
from app.store.tables import ArchivedCase, CaseEvent, LedgerHead, PaymentLedger, PayrollRun, ProcessInstance

from ..retention import read_archive

CHUNK = 5000


class LedgerWriter:
    """Append entries to one county's chain; `close()` stores the new head."""

    def __init__(self, session: Session, county_path: str, actor: str, moment: datetime):
        self.session, self.county, self.actor, self.moment = session, county_path, actor, moment
        head = session.scalar(select(LedgerHead).where(LedgerHead.county_path == county_path).with_for_update())
        self.seq, self.prev = (head.seq, head.hash) if head else (0, None)
        self.first: int | None = None
        self.count = 0
        self._rows: list[tuple] = []
        self._existed = head is not None
        self._at = ledger_time(moment)

    def add(self, run_id: int, line_id: int, case_id: str, month: str, entry: str, amount_fen: int,
            note: str | None = None) -> None:
        self.seq += 1
        self.first = self.first or self.seq
        values = (self.county, self.seq, run_id, line_id, case_id, month, entry, int(amount_fen), note, self._at,
                  self.actor, self.prev)
        self.prev = ledger_digest(values)
        self._rows.append((*values[:9], self.moment, self.actor, values[11], self.prev, tenant_of(self.county)))
        self.count += 1
        if len(self._rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        bulk_insert(self.session, PaymentLedger.__table__, (*LEDGER_FIELDS, "hash", "tenant_id"), self._rows)
        self._rows = []

    def close(self) -> None:
        self.flush()
        if self.count == 0:
            return
        values = {"seq": self.seq, "hash": self.prev}
        if self._existed:
            self.session.execute(LedgerHead.__table__.update().where(LedgerHead.county_path == self.county)
                                 .values(values))
        else:
            self.session.execute(LedgerHead.__table__.insert().values(county_path=self.county, **values))


def lines_in_order(session: Session, run_id: int, where: str = "") -> Iterator:
    """The run's lines by 序号, fetched a chunk at a time (the roll is never held whole in memory)."""
    last = 0
    query = text(f"SELECT id, seq, process_instance_id, month, amount_fen, status FROM payroll_line "
                 f"WHERE run_id = :run_id AND seq > :last {where} ORDER BY seq LIMIT {CHUNK}")
    while True:
        rows = session.execute(query, {"run_id": run_id, "last": last}).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][1]


@dataclass
class LedgerVerdict:
    county_path: str
    entries: int
    ok: bool
    seq: int | None = None
    problem: str | None = None


def verify_ledger(session: Session, county_path: str, archives: "ArchivedHeads") -> LedgerVerdict:
    """Walk one county's chain: contiguous seq, each hash, each `ordered` entry against its frozen line."""
    expected, prev, count = 1, None, 0
    lines = text("SELECT amount_fen, process_instance_id, month FROM payroll_line WHERE id = :id")
    while True:
        chunk = session.scalars(select(PaymentLedger).where(PaymentLedger.county_path == county_path,
                                                            PaymentLedger.seq >= expected)
                                .order_by(PaymentLedger.seq).limit(CHUNK)).all()
        for entry in chunk:
            problem = _entry_problem(session, entry, expected, prev, lines)
            if problem:
                return LedgerVerdict(county_path, count, False, entry.seq, problem)
            prev, expected, count = entry.hash, expected + 1, count + 1
        if len(chunk) < CHUNK:
            break
    return _head_problem(session, county_path, count, prev) or _runs_problem(session, county_path, count, archives)


def _entry_problem(session: Session, entry: PaymentLedger, expected: int, prev: str | None, lines) -> str | None:
    if entry.seq != expected:
        return f"台账序号不连续：应为 {expected}，实为 {entry.seq}（条目缺失）"
    if entry.prev_hash != prev:
        return "台账条目的前序哈希与上一条不符"
    values = [getattr(entry, c) for c in LEDGER_FIELDS]
    values[LEDGER_FIELDS.index("at")] = ledger_time(entry.at)
    if ledger_digest(values) != entry.hash:
        return f"台账条目内容与其哈希不符（条目被修改：案件 {entry.process_instance_id}，{entry.month}）"
    if entry.entry == "ordered":
        line = session.execute(lines, {"id": entry.line_id}).first()
        if line is None or (line.amount_fen, line.process_instance_id, line.month) != (
                entry.amount_fen, entry.process_instance_id, entry.month):
            return f"冻结名册的第 {entry.line_id} 行与台账记录不符（名册被修改）"
    return None


def _head_problem(session: Session, county_path: str, count: int, last_hash: str | None) -> LedgerVerdict | None:
    head = session.get(LedgerHead, county_path)
    stored = (head.seq, head.hash) if head else (0, None)
    if stored != (count, last_hash):
        return LedgerVerdict(county_path, count, False, count + 1, "台账末尾与记录的台账头不符（末尾条目缺失）")
    return None


class ArchivedHeads:
    """The ledger heads recorded by the payroll cases of the archive files in `folder`, each file read (and its
    signature checked with `key`) once."""

    def __init__(self, folder: Path, key: bytes | AuditKeys):
        self.folder, self.key = folder, key
        self._files: dict[str, dict[str | None, set[str]]] = {}

    def of(self, archive: str, business_key: str) -> set[str]:
        if archive not in self._files:
            heads: dict[str | None, set[str]] = {}
            for line in read_archive(self.folder / archive, self.key):
                heads.setdefault(line.case.business_key, set()).update(_heads(line.events))
            self._files[archive] = heads
        return self._files[archive].get(business_key, set())


def _runs_problem(session: Session, county_path: str, count: int, archives: ArchivedHeads) -> LedgerVerdict:
    """Each frozen run's last entry is the head its payroll case recorded in its event log."""
    runs = session.scalars(select(PayrollRun).where(PayrollRun.county_path == county_path,
                                                    PayrollRun.ledger_last.is_not(None)))
    for run in runs:
        try:
            recorded = _recorded_heads(session, run, archives)
        except DomainError as err:  # its case's archive cannot be read: the head cannot be checked
            return LedgerVerdict(county_path, count, False, run.ledger_last,
                                 f"发放批次 {run.business_key} 的案件已归档，无法核对其台账头：{err.message}")
        entry = session.scalar(select(PaymentLedger.hash).where(PaymentLedger.county_path == county_path,
                                                                PaymentLedger.seq == run.ledger_last))
        if entry != run.ledger_head or run.ledger_head not in recorded:
            return LedgerVerdict(county_path, count, False, run.ledger_last,
                                 f"发放批次 {run.business_key} 的台账头与其案件日志记录的不符")
    return LedgerVerdict(county_path, count, True)


def _recorded_heads(session: Session, run: PayrollRun, archives: ArchivedHeads) -> set[str]:
    """The heads the run's case recorded: in the database, and in the archive of its case if it is archived."""
    heads = _heads(session.scalars(select(CaseEvent).join(ProcessInstance).where(
        CaseEvent.command == "ledger", ProcessInstance.business_key == run.business_key)))
    for archive in session.scalars(select(ArchivedCase.archive).distinct().where(
            ArchivedCase.business_key == run.business_key)):
        heads |= archives.of(archive, run.business_key)
    return heads


def _heads(events) -> set[str]:
    return {(e.inputs or {}).get("head") for e in events if e.command == "ledger"}


def verify_payment_ledgers(rt, actor, archives: ArchivedHeads) -> list[LedgerVerdict]:
    """Verify every county ledger in the actor's scope (`flask audit-verify`), reading the heads of archived
    payroll cases from `archives`."""
    actor.require("audit.verify")
    with rt.reading() as uow:
        counties = uow.session.scalars(select(LedgerHead.county_path).where(
            LedgerHead.county_path.like(actor.scope.like_pattern)).order_by(LedgerHead.county_path)).all()
        return [verify_ledger(uow.session, county, archives) for county in counties]
