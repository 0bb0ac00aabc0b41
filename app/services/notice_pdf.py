"""A notice as a printable A4 PDF, its Chinese text in an embedded font.

reportlab lays the text out; the font is AR PL UMing (Debian `fonts-arphic-uming`, a Ming/宋体 face as
official documents use), embedded as a subset so the page prints the same in any reader. reportlab's
`invariant` mode leaves out the creation time and random ids, so a notice's PDF is a function of its
text alone (README: Notices of decisions).
"""

import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.domain.errors import DomainError

FONT_NAME = "NoticeMing"


class FontMissing(DomainError):
    """The PDF font is not installed: the service cannot print notices until it is."""

    status = 503
    kind = "ServiceUnavailableException"


@functools.cache
def _register(path: str) -> str:
    if not Path(path).is_file():
        raise FontMissing(f"告知书 PDF 所需字体 {path} 未安装"
                          "（apt-get install fonts-arphic-uming，或设置 NOTICE_FONT）")
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def notice_pdf(text: str, font_path: str) -> bytes:
    """Lay out a notice: its first line as the centred title, every other line a paragraph."""
    font = _register(font_path)
    title, _, body = text.partition("\n")
    heading = ParagraphStyle("title", fontName=font, fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=6 * mm)
    plain = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK")
    story = [Paragraph(escape(title), heading)]
    for line in body.split("\n"):
        story.append(Paragraph(escape(line), plain) if line.strip() else Spacer(1, 3 * mm))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm,
                      bottomMargin=35 * mm, title=title, invariant=1).build(story)
    return out.getvalue()
