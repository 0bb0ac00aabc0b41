"""The staff's-words reader sees what a reader of a workbook or a printed PDF sees, so a machine word in an export
fails the staff's-words test as one on a page does."""

import io
import os

from openpyxl import Workbook

from app.services.notice_pdf import notice_pdf
from app.services.payroll.roster import Roster, render
from tests.support.staff_words import machine_words, pdf_text, xlsx_text


def test_a_workbook_is_read_cell_by_cell_with_its_sheet_names():
    book = Workbook()
    book.active.title = "代发"
    book.active.append(["序号", "类别"])
    book.active.append([1, "dibao"])
    book.create_sheet("Sheet2")
    out = io.BytesIO()
    book.save(out)
    assert machine_words(xlsx_text(out.getvalue())) == ["dibao", "Sheet"]


def test_a_roster_pdf_is_read_as_printed_in_its_chinese_font():
    pdf = render(Roster("示范县城关镇 2026年11月 社会救助资金发放名册", "村（居）公示联 home_visit", True, []))
    text = pdf_text(pdf)
    assert "社会救助资金发放名册" in text and machine_words(text) == ["home_visit"]


def test_a_notice_pdf_is_read_as_printed():
    font = os.environ.get("NOTICE_FONT", "/usr/share/fonts/truetype/arphic/uming.ttc")  # the service's default
    text = pdf_text(notice_pdf("最低生活保障批准通知书\n保障金额：每月 1140.00 元（approve）", font))
    assert "批准通知书" in text and machine_words(text) == ["approve"]
