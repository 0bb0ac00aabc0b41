"""Template filters: times in China Standard Time, role names, values as a reader sees them."""

import json
import re
from datetime import datetime

from flask import Flask

from app.domain.clock import CHINA_TZ
from app.domain.roles import ROLE_NAMES  # noqa: F401 (templates read it from here)
from app.services import registry

from .facts import words
from .form_html import safe_html
from .forms import shown_value

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")
STATE_NAMES = {"ACTIVE": "办理中", "COMPLETED": "已办结", "EXTERNALLY_TERMINATED": "已终止"}

def event_title(event, process: str | None, definition_id: str | None = None) -> str:
    """Describe a case event in a sentence: the command and the step it acted on, in the staff's words (as the
    case's version names it)."""
    return registry.title(event.command, words().step(process, event.target, definition_id))


def cst(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Format a moment in China Standard Time."""
    return value.astimezone(CHINA_TZ).strftime(pattern) if value else ""


def shown(value) -> str:
    """Render a case variable for a reader: 是/否 for booleans, lists joined, objects as JSON."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return "、".join(map(str, value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
        return cst(datetime.fromisoformat(value))
    return str(value)


PAYMENT_STATES = {"draft": "名册未冻结", "held": "暂缓（账户待更正）", "ordered": "已发往银行", "paid": "已到账",
                  "failed": "银行退回"}


RUN_STATES = {"building": "生成中", "review": "待审核", "confirming": "待复核", "frozen": "已冻结"}


def register_filters(app: Flask) -> None:
    app.add_template_filter(cst, "cst")
    app.add_template_filter(event_title, "event_title")
    app.add_template_filter(registry.label, "command_label")
    app.add_template_filter(shown, "shown")
    app.add_template_filter(shown_value, "form_text")
    app.add_template_filter(safe_html, "safe_html")
    app.add_template_filter(lambda g: ROLE_NAMES.get(g, g), "role")
    app.add_template_filter(lambda k: words().process(k), "process")
    app.add_template_filter(lambda u: words().person(u), "person")
    app.add_template_filter(lambda a, p, d=None: words().step(p, a, d), "step")
    app.add_template_filter(lambda d: words().version(d), "version")
    app.add_template_filter(lambda s: STATE_NAMES.get(s, s), "case_state")
    app.add_template_filter(lambda s: PAYMENT_STATES.get(s, s), "payment_status")
    app.add_template_filter(lambda s: RUN_STATES.get(s, s), "run_state")
