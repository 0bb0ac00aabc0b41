"""What a user reads on a page or in an export: the visible text, and what in it is the machine's word."""

import io
import re
from html.parser import HTMLParser

from openpyxl import load_workbook
from pypdf import PdfReader

# attributes a reader sees or hears
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
HIDDEN_TAGS = {"script", "style", "noscript", "template"}
# Latin words staff use as words: formats, units, the brand of a spreadsheet, 身份证-style codes
ALLOWED = {"PDF", "CSV", "Excel", "xlsx", "csv", "JavaScript", "BPMN", "DMN", "ID", "SHA", "KB", "MB", "OK",
           "EMS", "APP"}
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
TEMPLATE = re.compile(r"\{\{.*?\}\}")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """The text of a page as a reader sees it (scripts, styles and attribute values other than hints left out)."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def machine_words(text: str, raw_values: set[str] = frozenset()) -> list[str]:
    """The machine's words in a text: Latin words (ids, English, enum values) and `{{…}}` templates."""
    text = re.sub(r"https?://\S+", "", text)
    found = TEMPLATE.findall(text)
    found += [w for w in WORD.findall(text) if w not in ALLOWED]
    return found


def xlsx_text(content: bytes) -> str:
    """What a reader of a workbook sees: each sheet's name and every cell's text."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    parts = []
    for sheet in book.worksheets:
        parts.append(sheet.title)
        parts += [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    book.close()
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, as a reader sees it printed (pypdf reads fpdf2's two-byte text with a NUL
    before each character)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).replace("\x00", "")
