"""Notices of decisions (书面告知 / 决定书): their kinds and the rights every adverse notice must state.

行政复议法 (2023) art. 20: 行政复议 may be requested within 60 days of learning of the decision; a
notice that does not name the right, the 复议 body and the time limit leaves the time open for up to a
year. 行政诉讼法 art. 46: suit within 6 months. The 复议 body and the court are county settings.
"""

from dataclasses import dataclass

REVIEW_DAYS = 60  # 行政复议法 (2023) 第二十条
LITIGATION_MONTHS = 6  # 行政诉讼法 第四十六条

# the county settings naming where the household may appeal, read when a notice is issued
REVIEW_BODY_SETTING = "review_body"
COURT_SETTING = "court"


@dataclass(frozen=True)
class NoticeKind:
    key: str
    title: str  # the document's default title
    adverse: bool  # an adverse decision: the notice must state the rights of appeal


KINDS: dict[str, NoticeKind] = {k.key: k for k in (
    NoticeKind("not_accepted", "不予受理决定书", True),
    NoticeKind("refusal", "不予批准（认定）决定书", True),
    NoticeKind("reduction", "减发决定书", True),
    NoticeKind("stop", "停发决定书", True),
    NoticeKind("gradual_exit", "渐退决定书", True),
    NoticeKind("termination", "终止供养决定书", True),
    NoticeKind("recovery", "追回救助资金决定书", True),
    NoticeKind("approval", "批准通知书", False),
)}

# what an adverse notice's template must print: the 复议 body, the court and both statutory limits
RIGHTS_NAMES = ("review_body", "review_days", "court", "litigation_months")


def kind_problem(kind: str) -> str | None:
    """Say why `kind` is not a notice kind, or None."""
    if kind in KINDS:
        return None
    return f"未知的告知书种类 {kind!r}（可用：{', '.join(KINDS)}）"


def rights_missing(kind: str, used: set[str]) -> list[str]:
    """The rights an adverse notice's template leaves out (the names it must print)."""
    if not KINDS[kind].adverse:
        return []
    return [name for name in RIGHTS_NAMES if name not in used]


def default_review_body(county_name: str) -> str:
    """行政复议法 (2023) art. 24: the county government reviews its departments' and townships' decisions."""
    return f"{county_name}人民政府"


def default_court(county_name: str) -> str:
    """行政诉讼法 art. 14, 18: the basic court where the deciding body sits (a county may name another)."""
    return f"{county_name}人民法院"
