"""The bank's batch file of a frozen roll (CSV or xlsx, the county's columns), streamed.

Only finance downloads it, whole — the bank pays into the account beside the name — and each download
is written to the access log on the run's case. Every cell is defined once, in SQL (`CELLS`): PostgreSQL
writes the CSV itself (COPY … TO STDOUT, streamed as it comes), elsewhere and for xlsx the rows are read
a page at a time. Memory holds a chunk or a page, never the roll.
"""

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import xlsxwriter
from sqlalchemy import select, text

from app.domain import clock
from app.domain.actors import Actor
from app.domain.clock import local
from app.domain.errors import Conflict
from app.domain.payroll import bank_columns
from app.store.tables import ProcessInstance

from ..access_log import record_read
from ..case_data import BANK_FILE
from ..runtime import Runtime
from ..settings import county_setting
from .reads import visible_run

PAGE = 5000

_BENEFIT = "CASE l.definition_key WHEN 'dibao' THEN '低保金' WHEN 'tekun' THEN '特困供养金' ELSE '救助金' END"
_AMOUNT = {"postgresql": "to_char(l.amount_fen / 100.0, 'FM999999999990.00')",
           "sqlite": "printf('%.2f', l.amount_fen / 100.0)"}
# each column of the bank file as an SQL expression over the line `l` and its township `o`
CELLS = {
    "序号": "l.seq",
    "姓名": "COALESCE(l.applicant_name, '')",
    "身份证号": "COALESCE(l.id_number, '')",
    "银行账号": "COALESCE(l.bank_account, '')",
    "金额": None,  # the dialect's number formatting (_AMOUNT)
    "摘要": f"substr(l.month, 1, 4) || '年' || substr(l.month, 6, 2) || '月' || {_BENEFIT}"
            " || CASE WHEN l.kind = 'back_pay' THEN '补发' ELSE '' END",
    "乡镇": "COALESCE(o.name, l.township_path)",
    "月份": "l.month",
    "类别": "CASE l.definition_key WHEN 'dibao' THEN '低保' WHEN 'tekun' THEN '特困' ELSE l.definition_key END",
}


@dataclass(frozen=True)
class BankFile:
    run_id: int
    name: str  # the roll's business key: PR-sfx-2027-01
    columns: tuple[str, ...]

    def file_name(self, fmt: str) -> str:
        """The download's name in the staff's words, with the day: 银行代发文件_PR-sfx-2027-01_20270105.xlsx"""
        return f"银行代发文件_{self.name}_{local(clock.now()):%Y%m%d}.{fmt}"


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
        uow.commit()
        return BankFile(run.id, run.business_key, columns)


def _select(file: BankFile, dialect: str, paged: bool) -> str:
    cells = ", ".join(f'{CELLS[c] or _AMOUNT[dialect]} AS "{c}"' for c in file.columns)
    page = f"AND l.seq > :last ORDER BY l.seq LIMIT {PAGE}" if paged else "ORDER BY l.seq"
    return (f"SELECT {cells}, l.seq AS _seq FROM payroll_line l LEFT JOIN org_unit o ON o.path = l.township_path "
            f"WHERE l.run_id = {int(file.run_id)} AND l.status = 'pay' {page}")


def bank_pages(rt: Runtime, file: BankFile) -> Iterator[list[tuple]]:
    """The file's data rows in 序号 order, a page per read transaction (the roll is frozen: one file)."""
    last = 0
    while True:
        with rt.reading() as uow:
            query = text(_select(file, uow.session.get_bind().dialect.name, paged=True))
            page = uow.session.execute(query, {"last": last}).all()
        if not page:
            return
        yield [tuple(row)[:-1] for row in page]
        last = page[-1][-1]


def csv_chunks(rt: Runtime, file: BankFile) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel opens the Chinese headers): PostgreSQL's own CSV, or a page per chunk."""
    yield "\ufeff".encode()
    with rt.reading() as uow:
        connection = uow.session.connection()
        if connection.dialect.name == "postgresql":
            query = _select(file, "postgresql", paged=False).replace(", l.seq AS _seq", "")
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
                yield from (bytes(chunk) for chunk in copy)
            return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
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


def file_chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    """Stream a temporary file and remove it afterwards."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        os.unlink(path)
