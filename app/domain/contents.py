"""Which contents (kept once by sha256: app/services/contents.py) a case's recorded inputs refer to."""

import re
from collections.abc import Iterator
from typing import Any

_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_reference(value: Any) -> bool:
    """A Bytes or File variable's value: {"sha256", "size"} and nothing else, as the command that stored its bytes
    made it."""
    return (isinstance(value, dict) and value.keys() == {"sha256", "size"} and isinstance(value["sha256"], str)
            and _SHA256.fullmatch(value["sha256"]) is not None and isinstance(value["size"], int)
            and not isinstance(value["size"], bool))


def referenced_in(inputs: Any) -> Iterator[str]:
    """The sha256 of each content an event's inputs refer to: an attachment's (its `attachmentId` and `sha256`,
    added or removed) and every Bytes or File value among the variables it set, at any depth."""
    if isinstance(inputs, dict) and "attachmentId" in inputs and isinstance(inputs.get("sha256"), str):
        yield inputs["sha256"]
    yield from _values(inputs)


def _values(value: Any) -> Iterator[str]:
    if is_reference(value):
        yield value["sha256"]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
