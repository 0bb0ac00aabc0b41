"""A form-js `html` component on the task page: its content kept to the tags that format text, with no attribute
but a link's http(s) address, so a form can never run script or restyle the page around it."""

from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

TAGS = {"p", "br", "b", "strong", "i", "em", "u", "s", "small", "sub", "sup", "span", "div", "ul", "ol", "li",
        "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "hr", "table", "thead", "tbody", "tr", "th", "td", "a"}
EMPTY = {"br", "hr"}
DROPPED = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}  # with their text


class _Safe(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED:
            self.dropping += 1
        if self.dropping or tag not in TAGS:
            return
        href = dict(attrs).get("href") if tag == "a" else None
        link = f' href="{escape(href)}" rel="noopener noreferrer" target="_blank"' \
            if href and href.startswith(("https://", "http://")) else ""
        self.out.append(f"<{tag}{link}>")
        if tag not in EMPTY:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:  # close what was left open inside it
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data))


def safe_html(content: str | None) -> Markup:
    """The content with only formatting tags kept; everything else shown as text or dropped."""
    parser = _Safe()
    parser.feed(content or "")
    parser.close()
    return Markup("".join(parser.out + [f"</{t}>" for t in reversed(parser.open)]))
