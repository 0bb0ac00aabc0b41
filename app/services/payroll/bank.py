"""The bank's batch file of a frozen roll (CSV or xlsx, the county's columns), streamed page by page.

Only finance downloads it, whole — the bank pays into the account beside the name — and each download
is written to the access log on the run's case. The roll is frozen, so pages read in separate
transactions are one consistent file; memory holds one page, never the roll.
"""

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import xlsxwriter
from sqlalchemy import select, text

from app.domain.actors import Actor
from app.domain.errors import Conflict
from app.domain.payroll import bank_columns, month_label
from app.store.tables import OrgUnit, ProcessInstance

from ..access_log import record_read
from ..case_data import BANK_FILE
from ..runtime import Runtime
from ..settings import county_setting
from .reads import PROCESS_NAMES, visible_run

PAGE = 5000
BENEFIT_NAMES = {"dibao": "低保金", "tekun": "特困供养金"}


@dataclass(frozen=True)
class BankFile:
    run_id: int
    name: str  # file name stem: PR-sfx-2027-01
    columns: tuple[str, ...]
    townships: dict[str, str]  # path -> name


def open_bank_file(rt: Runtime, actor: Actor, run_id: int, fmt: str) -> BankFile:
    """Check the download may happen (finance, a frozen roll), log it, and describe the file."""
    actor.require("payroll.run")
    with rt.unit_of_work() as uow:
        run = visible_run(uow.session, actor, run_id)
        if run.frozen_at is None:
            raise Conflict(f"发放名册 {run.business_key} 尚未复核冻结，不能导出银行文件")
        case = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == run.business_key))
        # the file is whole (the bank pays into the account beside the name): logged as read unmasked
        record_read(uow.session, actor, case, BANK_FILE.at(f"{fmt}: {run.business_key} ({run.lines} lines)").what,
                    masked=False)
        columns = bank_columns(county_setting(uow.session, run.county_path, "bank_file_columns"))
        townships = dict(uow.session.execute(select(OrgUnit.path, OrgUnit.name).where(
            OrgUnit.path.like(run.county_path + "%"))).all())
        uow.commit()
        return BankFile(run.id, run.business_key, columns, townships)


_ROWS = text("SELECT seq, applicant_name, id_number, bank_account, amount_fen, month, kind, definition_key, "
             "township_path FROM payroll_line WHERE run_id = :run AND status = 'pay' AND seq > :last "
             f"ORDER BY seq LIMIT {PAGE}")


def _cells(row, townships: dict[str, str]) -> dict:
    seq, name, id_number, account, amount_fen, month, kind, key, township = row  # by position: 10x a Row's names
    benefit = BENEFIT_NAMES.get(key, "救助金") + ("补发" if kind == "back_pay" else "")
    return {"序号": seq, "姓名": name or "", "身份证号": id_number or "", "银行账号": account or "",
            "金额": f"{amount_fen / 100:.2f}", "摘要": month_label(month) + benefit,
            "乡镇": townships.get(township, township), "月份": month, "类别": PROCESS_NAMES.get(key, key)}


def bank_pages(rt: Runtime, file: BankFile) -> Iterator[list[list]]:
    """The file's data rows in 序号 order, a page per read transaction."""
    last = 0
    while True:
        with rt.reading() as uow:
            page = uow.session.execute(_ROWS, {"run": file.run_id, "last": last}).all()
        if not page:
            return
        yield [[cells[c] for c in file.columns] for cells in (_cells(row, file.townships) for row in page)]
        last = page[-1][0]


def csv_chunks(rt: Runtime, file: BankFile) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel opens the Chinese headers), a page of rows per chunk."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(file.columns)
    for page in bank_pages(rt, file):
        writer.writerows(page)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    yield out.getvalue().encode("utf-8")


def xlsx_path(rt: Runtime, file: BankFile) -> str:
    """Write the sheet row by row to a temporary file (xlsxwriter's constant memory mode); return its path."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("代发")
    text_format = book.add_format({"num_format": "@"})
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(file.columns):
        sheet.set_column(col, col, 22 if name in ("身份证号", "银行账号", "摘要") else 12)
        sheet.write_string(0, col, name)
    number = 0
    for page in bank_pages(rt, file):
        for row in page:
            number += 1
            for col, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(number, col, value)
                else:  # an account or 身份证 stays text, never a number Excel rounds
                    sheet.write_string(number, col, value, text_format)
    book.close()
    return path


def file_chunks(path: str, size: int = 1 << 16, done: Callable[[], None] | None = None) -> Iterator[bytes]:
    """Stream a temporary file and remove it afterwards."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        os.unlink(path)
        if done:
            done()
