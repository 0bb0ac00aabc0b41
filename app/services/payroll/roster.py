"""The printable 发放名册 of one township in a run: a PDF with a CJK font, totals and signature lines.

The finance copy shows names, 身份证 and accounts whole (finance only); the village-facing copy, posted
where the household lives, masks them as app/domain/personal.py says, whoever prints it.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy import select, text

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import DomainError, NotFound, ValidationFailed
from app.domain.payroll import month_label, yuan_text
from app.domain.personal import PERSONAL_FIELDS, mask
from app.store.tables import OrgUnit, ProcessInstance

from ..access_log import record_read
from ..case_data import ROSTER
from ..runtime import Runtime
from .reads import PROCESS_NAMES, visible_run

# a CJK font the PDF embeds (subset): $PDF_FONT, else the first of these Debian fonts (fonts-noto-cjk, …)
FONT_CANDIDATES = (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # the SC face of the collection
                   ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
                   ("/usr/share/fonts/truetype/arphic/uming.ttc", 0))
COLUMNS = (("序号", 12), ("姓名", 22), ("身份证号", 42), ("类别", 12), ("月份", 18), ("类型", 14), ("金额（元）", 24),
           ("银行账号", 46), ("领取人签字", 0))
SIGNATURES = ("制表人：", "审核人：", "复核人：", "乡镇（街道）负责人：")


class FontMissing(DomainError):
    status = 503
    kind = "ServiceUnavailable"


@dataclass(frozen=True)
class Roster:
    title: str
    subtitle: str
    masked: bool
    rows: list


def _font() -> tuple[str, int]:
    configured = os.environ.get("PDF_FONT")
    if configured:
        return configured, int(os.environ.get("PDF_FONT_INDEX", "0"))
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise FontMissing("服务器没有可嵌入的中文字体（安装 fonts-noto-cjk，或以 PDF_FONT 指定字体文件）")


_LINES = text("SELECT seq, applicant_name, id_number, bank_account, amount_fen, month, kind, definition_key, status "
              "FROM payroll_line WHERE run_id = :run AND township_path = :township ORDER BY seq")


@dataclass(frozen=True)
class RosterFile:
    pdf: bytes
    name: str  # in the staff's words, with the day it was printed: 发放名册_城关镇_2026年11月_村居公示联_20261006.pdf


def township_roster(rt: Runtime, actor: Actor, run_id: int, township: str, copy: str) -> RosterFile:
    """The 名册 of `township` (a code) in run `run_id`: copy `finance` (whole) or `village` (masked)."""
    if copy not in ("finance", "village"):
        raise ValidationFailed("copy 须为 finance（财政留存）或 village（村居公示）", field="copy")
    if copy == "finance":
        actor.require("payroll.run")
    with rt.unit_of_work() as uow:
        run = visible_run(uow.session, actor, run_id)
        unit = uow.session.scalar(select(OrgUnit).where(OrgUnit.code == township, OrgUnit.level == "township"))
        if unit is None or not unit.path.startswith(run.county_path):
            raise NotFound(f"乡镇（街道）{township} 不在本批次的县（区）内", field="township")
        county = uow.session.scalar(select(OrgUnit.name).where(OrgUnit.path == run.county_path))
        rows = uow.session.execute(_LINES, {"run": run.id, "township": unit.path}).all()
        case = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == run.business_key))
        record_read(uow.session, actor, case, ROSTER.at(f"{copy} {township}: {run.business_key}").what,
                    masked=copy == "village")
        uow.commit()
        state = "已冻结" if run.frozen_at else "草稿（未冻结，不得用于发放）"
        roster = Roster(f"{county}{unit.name} {month_label(run.month)} 社会救助资金发放名册",
                        f"批次 {run.business_key}（{state}） 打印于 {clock.local(clock.now()):%Y-%m-%d %H:%M}"
                        + (" 村（居）公示联：个人信息已遮蔽" if copy == "village" else " 财政留存联"),
                        copy == "village", rows)
    name = f"发放名册_{unit.name}_{month_label(run.month)}_{'村居公示联' if copy == 'village' else '财政留存联'}_" \
           f"{clock.local(clock.now()):%Y%m%d}.pdf"
    return RosterFile(render(roster), name)


def _cells(row, masked: bool) -> list[str]:
    def shown(field: str, value):
        return (mask(PERSONAL_FIELDS[field], value) or "") if masked else (value or "")

    kind = "补发" if row.kind == "back_pay" else "当月"
    held = "（暂缓）" if row.status == "held" else ""
    return [str(row.seq), shown("applicant_name", row.applicant_name), shown("id_number", row.id_number),
            PROCESS_NAMES.get(row.definition_key, row.definition_key), row.month, kind + held,
            yuan_text(row.amount_fen), shown("bank_account", row.bank_account) or "", ""]


def render(roster: Roster) -> bytes:
    """Lay the roster out on landscape A4 pages with a repeated header, totals and signature lines."""
    path, index = _font()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.cell(0, 10, roster.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=9)
    pdf.cell(0, 6, roster.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    widths = [w or (pdf.epw - sum(w for _, w in COLUMNS)) for _, w in COLUMNS]
    with pdf.table(col_widths=widths, text_align="CENTER", line_height=6, repeat_headings=1,
                   headings_style=FontFace(emphasis="", fill_color=(235, 235, 235))) as table:
        table.row([name for name, _ in COLUMNS])
        for row in roster.rows:
            table.row(_cells(row, roster.masked))
    paid = [r for r in roster.rows if r.status == "pay"]
    total = sum(r.amount_fen for r in paid)
    pdf.ln(3)
    pdf.set_font("cjk", size=10)
    held = len(roster.rows) - len(paid)
    note = f"；暂缓 {held} 笔（账户待更正）" if held else ""
    pdf.cell(0, 7, f"合计：发放 {len(paid)} 笔，金额 {yuan_text(total)} 元{note}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    for label in SIGNATURES:
        pdf.cell(pdf.epw / len(SIGNATURES), 8, label + "__________")
    pdf.ln(10)
    pdf.cell(0, 8, "日期：______年____月____日（盖章）")
    return bytes(pdf.output())
