"""An audit timeline in the staff's words: who did what, and the data each event recorded as before/after."""

from dataclasses import dataclass, field

from app.domain.county_settings import SETTINGS
from app.services.vocabulary import Vocabulary

from .format import event_title


@dataclass
class Entry:
    event: object
    title: str
    who: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)


def _submitted(inputs: dict) -> dict:
    """What the actor of an event handed in: a form's values, a worker's answer, a message's payload."""
    found = inputs.get("variables")
    message = inputs.get("message")
    if isinstance(message, dict) and isinstance(message.get("variables"), dict):
        found = {**(found or {}), **message["variables"]}
    return dict(found) if isinstance(found, dict) else {}


def _attachment_rows(inputs: dict) -> list[tuple[str, str, str]]:
    """What an attach event recorded: the file's name, size and SHA-256, or the link — what verification checks
    the kept bytes against."""
    if not isinstance(inputs.get("attachmentId"), str):
        return []
    rows = [("附件", "", str(inputs.get("name") or ""))]
    if isinstance(inputs.get("size"), int):
        rows.append(("大小", "", f"{max(1, round(inputs['size'] / 1024))} KB"))
    if isinstance(inputs.get("sha256"), str):
        rows.append(("SHA-256 校验值", "", inputs["sha256"]))
    if isinstance(inputs.get("url"), str):
        rows.append(("链接", "", inputs["url"]))
    return rows


def timeline(shown_events: list[tuple], words: Vocabulary, process: str | None,
             definition_id: str | None = None) -> list[Entry]:
    """Each event with the data it recorded credited to it: a task completed in a parallel branch enters the
    case data only when the branches join, so its values show on its own event, never on the joining one."""
    known: dict = {}
    pending: dict = {}  # handed in by an earlier event, not yet in the case data
    other_settings = set(SETTINGS) - set(words.settings_of(process))
    entries = []
    for event, inputs, changed in shown_events:
        submitted = {k: v for k, v in _submitted(inputs).items() if k not in other_settings}
        rows = {k: (known.get(k), v) for k, v in submitted.items()}
        for key, value in changed.items():
            if key in rows or key in other_settings or (key in pending and pending[key] == value):
                continue
            rows[key] = (known.get(key), value)
        for key in changed:
            pending.pop(key, None)
        pending.update({k: v for k, v in submitted.items() if changed.get(k) != v})
        known.update(changed)
        shown = [(words.label(process, k), "" if before is None else words.shown(process, k, before),
                  words.shown(process, k, after)) for k, (before, after) in rows.items()]
        if isinstance(inputs.get("reason"), str):  # a void's or a cancellation's own words
            shown.insert(0, ("原因", "", inputs["reason"]))
        shown += _attachment_rows(inputs)
        entries.append(Entry(event, event_title(event, process, definition_id), words.person(event.actor), shown))
    return entries
