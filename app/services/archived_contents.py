"""The files an archive line holds (app/services/retention.py): each content's bytes hash to the sha256 and size it
was kept under, and every content the case's events refer to is there."""

import base64
import hashlib
import json
from dataclasses import dataclass

from app.domain.contents import referenced_in
from app.store.tables import CaseEvent


@dataclass(frozen=True)
class ArchivedContent:
    """A content an archive line holds: the sha256 and size it was kept under, and its bytes."""

    sha256: str
    size: int
    data: bytes

    def problem(self) -> str | None:
        """What is wrong with the bytes, if anything."""
        if hashlib.sha256(self.data).hexdigest() != self.sha256 or len(self.data) != self.size:
            return f"档案中的内容 {self.sha256} 与其哈希或大小不符（被修改）"
        return None


def archived_content(content) -> ArchivedContent:
    """A content of a line; a value that is not one raises KeyError, TypeError or ValueError (bad base64)."""
    if not isinstance(content["sha256"], str) or not isinstance(content["size"], int):
        raise TypeError(f"内容 {content['sha256']} 的哈希或大小不是文本、整数")
    return ArchivedContent(content["sha256"], content["size"], base64.b64decode(content["data"], validate=True))


def changed_contents(lines: list[bytes]) -> str:
    """Where the case lines of a file whose signature fails hold a content its bytes no longer hash to: the line,
    case and sha256 (what a changed byte of a file shows); nothing where none, or where a line cannot be read."""
    for number, raw in enumerate(lines, start=2):
        try:
            line = json.loads(raw.decode())
            for content in line.get("contents") or []:
                if archived_content(content).problem() is not None:
                    return f"：第 {number} 行案件 {line['case']['id']} 的内容 {content['sha256']} 与其哈希不符"
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return ""


def contents_problem(events: list[CaseEvent], contents: dict[str, ArchivedContent] | None,
                     attached: tuple[str, ...]) -> tuple[int, str] | None:
    """Every content a line holds hashes to its sha256 and has its size, and every content its events (and its
    attachments, `attached`) refer to is in it: the first that is not, with the first event that refers to it.
    None `contents`: the line was written before archives held them."""
    if contents is None:
        return None
    first: dict[str, int] = {}
    for event in events:
        for sha in referenced_in(event.inputs):
            first.setdefault(sha, event.seq)
    for content in contents.values():
        problem = content.problem()
        if problem is not None:
            return first.get(content.sha256, len(events)), problem
    for sha, seq in first.items():
        if sha not in contents:
            return seq, f"事件 {seq} 引用的内容 {sha} 不在档案中"
    for sha in attached:
        if sha not in contents:
            return len(events), f"附件的内容 {sha} 不在档案中"
    return None
