"""Tables the supervisor exports (CSV for any tool, .xlsx for Excel), with Chinese headers."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.domain.clock import local


@dataclass
class Table:
    name: str  # the file name stem, e.g. "overdue"
    title: str  # the sheet title, e.g. "逾期任务"
    headers: list[str]
    rows: list[list]


def local_text(moment: datetime | None) -> str:
    """A moment as Beijing time text, the way a case worker reads it."""
    return "" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M:%S")


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """One sheet, headers in the first row and frozen, columns sized to their text."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append(row)
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
    """Return the file's bytes, its media type and its file name."""
    write, mimetype = FORMATS[fmt]
    return write(table), mimetype, f"{table.name}.{fmt}"
