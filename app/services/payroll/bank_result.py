"""The bank's result file: the batch file's layout plus 状态 (成功/失败) and 失败原因.

Each row is matched to its line by 序号 and checked against it (account and amount, where the file
has them); one wrong row refuses the whole file, naming the row and the column. A paid line gets a
`paid` ledger entry; a failed one a `failed` entry, its household's account is marked as refused (the
roll holds its payments until it is corrected) and a `fix_bank_account` task opens for the township
window of that household. The payroll case then hears the result and ends.
"""

import csv
import io
from dataclasses import dataclass, replace

from openpyxl import load_workbook
from sqlalchemy import select, text, update

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import Conflict, ValidationFailed
from app.domain.payroll import to_fen
from app.store.tables import Benefit, EventSubscription, OrgUnit, PayrollRun

from ..cases import start_case
from ..commands import CorrelateMessage, StartCase
from ..messages import correlate_message
from ..runtime import Runtime
from .ledger import LedgerWriter
from .reads import visible_run

STATUS = {"成功": "paid", "失败": "failed", "success": "paid", "failed": "failed"}
RESULT = "payroll_bank_result"
MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class ResultRow:
    number: int  # the row in the file (2 = the first data row)
    seq: int
    outcome: str  # paid | failed
    reason: str | None
    account: str | None
    amount_fen: int | None


def read_result_file(name: str, content: bytes) -> list[ResultRow]:
    """Parse a CSV or xlsx result file; refuse it naming the row and column at fault."""
    rows = _xlsx_rows(content) if name.lower().endswith(".xlsx") else _csv_rows(content)
    header = [str(h or "").strip() for h in next(rows, [])]
    for needed in ("序号", "状态"):
        if needed not in header:
            raise ValidationFailed(f"回盘文件缺少“{needed}”列", field="file")
    return [_result_row(number, dict(zip(header, values, strict=False)))
            for number, values in enumerate(rows, start=2) if any(v not in (None, "") for v in values)]


def _csv_rows(content: bytes):
    try:
        return iter(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except UnicodeDecodeError as err:
        raise ValidationFailed("回盘文件须为 UTF-8 编码的 CSV 或 xlsx", field="file") from err


def _xlsx_rows(content: bytes):
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as err:  # any unreadable workbook is the uploader's file, not our fault
        raise ValidationFailed("回盘文件不是有效的 xlsx 文件", field="file") from err
    return book.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS)


def _result_row(number: int, cells: dict) -> ResultRow:
    def bad(column: str, why: str) -> ValidationFailed:
        return ValidationFailed(f"回盘文件第 {number} 行“{column}”{why}", field="file")

    try:
        seq = int(str(cells.get("序号")).strip())
    except ValueError:
        raise bad("序号", "须为整数") from None
    outcome = STATUS.get(str(cells.get("状态") or "").strip())
    if outcome is None:
        raise bad("状态", "须为“成功”或“失败”")
    amount = cells.get("金额")
    try:
        amount_fen = None if amount in (None, "") else to_fen(float(str(amount).replace(",", "")))
    except ValueError:
        raise bad("金额", "须为金额") from None
    account = str(cells.get("银行账号") or "").strip() or None
    reason = str(cells.get("失败原因") or "").strip() or None
    if outcome == "failed" and not reason:
        reason = "银行未说明原因"
    return ResultRow(number, seq, outcome, reason, account, amount_fen)


def record_bank_result(rt: Runtime, actor: Actor, run_id: int, name: str, content: bytes) -> dict:
    """Record the bank's answer for a frozen run; open a correction task for each failed payment."""
    actor.require("payroll.run")
    rows = read_result_file(name, content)
    if not rows:
        raise ValidationFailed("回盘文件没有数据行", field="file")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        run = visible_run(uow.session, actor, run_id)
        if run.frozen_at is None:
            raise Conflict(f"发放名册 {run.business_key} 尚未冻结，没有可回盘的发放", field="id")
        lines = _lines_of(uow.session, run, rows)
        ledger = LedgerWriter(uow.session, run.county_path, actor.username, moment)
        failed = []
        for row in rows:
            line = lines[row.seq]
            ledger.add(run.id, line.id, line.process_instance_id, line.month, row.outcome, line.amount_fen,
                       row.reason)
            if row.outcome == "failed":
                failed.append((line, row.reason))
        ledger.close()
        for line, reason in failed:
            uow.session.execute(update(Benefit).where(Benefit.process_instance_id == line.process_instance_id)
                                .values(account_problem=f"银行退回：{reason}"[:200], updated_at=moment))
        waiting = uow.session.scalar(select(EventSubscription.task_id).where(
            EventSubscription.event_name == RESULT, EventSubscription.business_key == run.business_key))
        uow.commit()
        key, ledger_head = run.business_key, ledger.prev
    for line, reason in failed:
        _open_fix(rt, actor, key, line, reason, moment)
    result = {"paid": sum(r.outcome == "paid" for r in rows), "failed": len(failed), "ledgerHead": ledger_head}
    if waiting:
        correlate_message(rt, CorrelateMessage(replace(actor, trusted=True), RESULT, key, variables={
            "bank_paid": result["paid"], "bank_failed": result["failed"]}))
    return result


_LINE = text("SELECT l.id, l.seq, l.process_instance_id, l.month, l.amount_fen, l.bank_account, l.applicant_name, "
             "l.id_number, l.definition_key, (SELECT f.entry FROM payment_ledger f WHERE f.line_id = l.id "
             "ORDER BY f.seq DESC LIMIT 1) AS entry FROM payroll_line l WHERE l.run_id = :run AND l.seq = :seq")


def _lines_of(session, run: PayrollRun, rows: list[ResultRow]) -> dict:
    """The run's lines the rows answer, each checked against its row."""
    lines, seen = {}, set()
    for row in rows:
        if row.seq in seen:
            raise ValidationFailed(f"回盘文件第 {row.number} 行：序号 {row.seq} 重复", field="file")
        seen.add(row.seq)
        line = session.execute(_LINE, {"run": run.id, "seq": row.seq}).first()
        if line is None or line.entry is None:
            raise ValidationFailed(f"回盘文件第 {row.number} 行：序号 {row.seq} 不是本批次发往银行的发放", field="file")
        if line.entry != "ordered":
            raise Conflict(f"回盘文件第 {row.number} 行：序号 {row.seq} 已有回盘结果", field="file")
        if row.account is not None and row.account != line.bank_account:
            raise ValidationFailed(f"回盘文件第 {row.number} 行“银行账号”与名册不符", field="file")
        if row.amount_fen is not None and row.amount_fen != line.amount_fen:
            raise ValidationFailed(f"回盘文件第 {row.number} 行“金额”与名册不符", field="file")
        lines[row.seq] = line
    return lines


def _open_fix(rt: Runtime, actor: Actor, run_key: str, line, reason: str, moment) -> None:
    """A `bank_account_fix` case for the township window of the household whose payment failed."""
    with rt.reading() as uow:
        benefit = uow.session.get(Benefit, line.process_instance_id)
        unit = uow.session.scalar(select(OrgUnit.code).where(OrgUnit.path == benefit.org_path))
    start_case(rt, StartCase(replace(actor, trusted=True), "bank_account_fix", f"BF-{run_key}-{line.seq}", {
        "village": unit, "case_id": line.process_instance_id, "household_key": benefit.business_key,
        "applicant_name": line.applicant_name, "id_number": line.id_number, "old_bank_account": line.bank_account,
        "failure_reason": reason, "payroll_run": run_key, "payment_month": line.month,
        "payment_amount": line.amount_fen / 100, "failed_at": moment.isoformat()}))
