"""Tables the supervisor exports (CSV for any tool, .xlsx for Excel), with Chinese headers.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read by a spreadsheet as a
formula (`=HYPERLINK(…)` in a business key, `+cmd|…` in a comment): every such cell is written as text — in CSV
behind an apostrophe, as OWASP advises, and in .xlsx as a string cell.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.domain import clock
from app.domain.clock import local


@dataclass
class Table:
    name: str  # what the table is, e.g. "overdue" (the API's table name)
    title: str  # the sheet title and the file name's stem, e.g. "逾期任务"
    headers: list[str]
    rows: list[list]


class Percent(float):
    """A share (0–1) written as a percentage: "66.7%" in CSV, a percent-formatted number in .xlsx."""

    def __str__(self) -> str:
        return f"{self * 100:.1f}%"


def local_text(moment: datetime | None) -> str:
    """A moment as Beijing time text, the way a case worker reads it."""
    return "" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M:%S")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    """Return whether a spreadsheet would take this cell for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [table.headers, *table.rows]:
        writer.writerow(["" if v is None else "'" + v if is_formula_like(v) else str(v) if isinstance(v, Percent)
                         else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """One sheet, headers in the first row and frozen, columns sized to their text."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    for row in [table.headers, *table.rows]:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if is_formula_like(cell.value):
                cell.data_type = "s"  # openpyxl took it for a formula; it is the text it says
            elif isinstance(cell.value, Percent):
                cell.number_format = "0.0%"
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        width = max([len(str(header)) * 2] + [len(str(r[index - 1] or "")) for r in table.rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {"csv": (to_csv, "text/csv; charset=utf-8"),
           "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def export(table: Table, fmt: str) -> tuple[bytes, str, str]:
    """Return the file's bytes, its media type and its file name: the table's title and today's date."""
    write, mimetype = FORMATS[fmt]
    return write(table), mimetype, f"{table.title}_{local(clock.now()):%Y%m%d}.{fmt}"


def attachment(filename: str, how: str = "attachment") -> str:
    """A Content-Disposition for a download (or, `inline`, a file the browser shows) named in Chinese (RFC 6266:
    `filename*`, an ASCII fallback)."""
    stem, _, ext = filename.rpartition(".")
    fallback = "export" + "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "_-")) + "." + ext
    return f"{how}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
