"""Personal data in case variables: the one table of personal fields, and how each kind is masked.

A field is personal because it is in `PERSONAL_FIELDS`, because a form marks it (the custom property
`personal` set to one of `KINDS`), or because a script or an input parameter fills it from a personal
field (app/engine/marks.py carries the mark). Roles that handle the applicant in person (permission
`personal.unmasked`) see personal fields whole; every other role sees them masked: a 身份证 keeps its
first 6 and last 4 characters, a name its family name, a phone its first 3 and last 4 digits, a bank
account its last 4, an address its first 6 characters (the county or town); an income, and any value made
from personal data (`DERIVED`), is hidden; a list of records (a household's members) shows each record with
its personal fields masked as their kinds.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .id_number import mask_id_number

HIDDEN = "***"
DERIVED = "derived"  # a value a script built from personal data (a concatenation, a slice, a record)
FORM_PROPERTY = "personal"  # the form field's custom property that marks it personal; its value is a kind


def _name(text: str) -> str:
    return text[:1] + "*" * max(len(text) - 1, 1)


def _phone(text: str) -> str:
    return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) >= 7 else HIDDEN


def _account(text: str) -> str:
    return "*" * (len(text) - 4) + text[-4:] if len(text) > 4 else HIDDEN


KINDS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number, "name": _name, "phone": _phone, "account": _account,
    "income": lambda _text: HIDDEN, "address": lambda text: text[:6] + "***" if len(text) > 6 else HIDDEN,
    DERIVED: lambda _text: HIDDEN,
}

# the fields every process shares; a form may mark more (FORM_PROPERTY), scripts carry the marks on
PERSONAL_FIELDS: dict[str, str] = {
    "id_number": "id_number", "applicant_name": "name", "reporter_name": "name",
    "per_capita_income": "income", "income": "income", "phone": "phone", "bank_account": "account",
}


ROWS = "rows:"  # a list of records (a household's members) with personal fields: "rows:name=name,id_number=id_number"


def rows_kind(fields: Mapping[str, str]) -> str:
    """The kind of a list of records whose fields `fields` are personal (field -> kind)."""
    return ROWS + ",".join(f"{name}={kind}" for name, kind in sorted(fields.items()))


def row_fields(kind: str) -> dict[str, str] | None:
    """The personal fields of a records kind (field -> kind), or None for any other kind."""
    if not kind.startswith(ROWS):
        return None
    return dict(item.split("=", 1) for item in kind[len(ROWS):].split(",") if "=" in item)


def known_kind(kind: str) -> bool:
    """Whether the service knows how to mask this kind (a records kind: each of its fields' kinds)."""
    fields = row_fields(kind)
    return kind in KINDS if fields is None else bool(fields) and all(k in KINDS for k in fields.values())


def mask(kind: str, value: Any) -> Any:
    """Return a value of this personal kind as a masked view shows it; a list of records keeps its other fields
    and shows each personal one masked as its kind."""
    if value is None:
        return None
    fields = row_fields(kind)
    if fields is not None and isinstance(value, list):
        return [{name: mask(fields[name], item) if name in fields else item for name, item in row.items()}
                if isinstance(row, dict) else HIDDEN for row in value]
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return HIDDEN  # a list or record of personal data shows nothing of it
    return KINDS.get(kind, KINDS[DERIVED])(str(value))


def mask_marked(variables: Mapping[str, Any], marks: Mapping[str, str]) -> dict[str, Any]:
    """Return the variables with every marked one masked as its kind."""
    return {name: mask(marks[name], value) if name in marks else value for name, value in variables.items()}


def scrub(text: str, values: Iterable[tuple[str, Any]]) -> str:
    """Return `text` with every (kind, value) personal value in it replaced by its masked form."""
    values = [pair for kind, value in values for pair in _parts(kind, value)]
    for kind, value in sorted(values, key=lambda item: -len(str(item[1]))):
        whole = str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
        if len(whole) >= 2 and whole in text:
            text = text.replace(whole, str(mask(kind, value)))
    return text


def _parts(kind: str, value: Any) -> list[tuple[str, Any]]:
    """The personal values in a value: itself, or each personal field of each record of a list of records."""
    fields = row_fields(kind)
    if fields is None or not isinstance(value, list):
        return [(kind, value)]
    return [(fields[name], item) for row in value if isinstance(row, dict)
            for name, item in row.items() if name in fields]
