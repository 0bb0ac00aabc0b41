"""Camunda Forms (form-js) JSON on a server-rendered page: read a posted form into typed values.

The page posts plain HTML fields; each component's type says how to read its string back
(number, yes/no, a radio value of the right type, a list). What cannot be read is kept as
typed, so the server-side validator names the field and the page shows the text again.
"""

import re

from werkzeug.datastructures import MultiDict

from app.services.forms import FILE, LIST, form_fields


def read_submission(schema: dict, form: MultiDict) -> dict:
    """Return the form's fields as the values a task completion takes; empty fields are left out."""
    values = {}
    for component in form_fields(schema):
        key, kind = component["key"], component["type"]
        if kind == LIST:
            rows = _rows(component, form)
            if rows:
                values[key] = rows
        elif kind == "checkbox":
            values[key] = form.get(key) in ("on", "true", "1")
        elif kind == FILE:  # the task's attachments uploaded before (the files chosen now are added by the page)
            kept = [v.strip() for v in form.getlist(key) if v.strip()]
            if kept:
                values[key] = kept if component.get("multiple") else kept[-1]
        elif kind in ("checklist", "taglist"):
            values[key] = [_typed(component, v) for v in form.getlist(key) if v.strip()]  # none ticked: []
        elif form.get(key, "").strip() != "":
            values[key] = _typed(component, form.get(key).strip() if kind != "textarea" else form.get(key))
        elif "defaultValue" in component:
            values[key] = ""  # form-js submits a field it initialised, even when left empty
    return values


def _rows(component: dict, form: MultiDict) -> list[dict]:
    """A list of rows posted as `path[i].column`, in row order; a row left empty is no row."""
    columns = {c["key"]: c for c in form_fields(component)}
    cell = re.compile(rf"{re.escape(component['key'])}\[(\d+)\]\.(\w+)")
    rows: dict[int, dict] = {}
    for name, raw in form.items():
        found = cell.fullmatch(name)
        if found and found[2] in columns and raw.strip():
            rows.setdefault(int(found[1]), {})[found[2]] = _typed(columns[found[2]], raw.strip())
    return [rows[i] for i in sorted(rows)]


def initial_values(schema: dict, variables: dict) -> dict:
    """Return what a fresh form shows: the case's value of each field, else the field's default (as form-js)."""
    values = {}
    for component in form_fields(schema):
        key = component["key"]
        if key in variables:
            values[key] = variables[key]
        elif "defaultValue" in component:
            values[key] = component["defaultValue"]
    return values


def _typed(component: dict, raw: str):
    if component["type"] == "number":
        return _number(raw)
    for option in component.get("values") or []:
        if str(option.get("value")) == raw:
            return option.get("value")
    return raw


def _number(raw: str):
    text = raw.replace(",", "").replace("，", "")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return raw  # the validator answers 须为数字 and the page shows what was typed


def shown_value(value) -> str:
    """Return a stored value as an input's text."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value)


def field_errors(errors: list[dict]) -> dict[str, str]:
    """Map each field to its first problem, from a ValidationFailed's errors."""
    out: dict[str, str] = {}
    for error in errors:
        out.setdefault(error.get("field") or "", error.get("message") or "")
    return out


DATE_HINTS = {"^\\d{4}-\\d{2}-\\d{2}$": "日期，如 2026-09-28", "\\d{4}-\\d{2}-\\d{2}": "日期，如 2026-09-28",
              "^\\d{4}-\\d{2}$": "月份，如 2026-11"}


def expected_format(component: dict) -> str:
    """Say what a field takes, for the error summary: its kind, bounds and the form's own hint."""
    rules = component.get("validate") or {}
    kind = component.get("type")
    parts = []
    if rules.get("pattern") in DATE_HINTS:
        parts.append(DATE_HINTS[rules["pattern"]])
    elif kind == "number":
        parts.append("整数" if component.get("decimalDigits") == 0 else "数字（可带小数）")
    elif kind in ("radio", "select"):
        parts.append("从选项中选择一项")
    elif kind == "checklist":
        parts.append("可选多项")
    if rules.get("min") is not None:
        parts.append(f"不小于 {shown_value(rules['min'])}")
    if rules.get("max") is not None:
        parts.append(f"不大于 {shown_value(rules['max'])}")
    if rules.get("maxLength"):
        parts.append(f"不超过 {rules['maxLength']} 字")
    if component.get("description"):
        parts.append(component["description"])
    return "；".join(parts)


def error_summary(schema: dict, errors: dict[str, str]) -> list[dict]:
    """The error summary's items, in the form's order: each links to its field and says what the field takes;
    a problem with no field on the form (the case, the task) is listed without a link."""
    fields = {c["key"]: c for c in form_fields(schema)}
    items = [{"href": f"#f-{key}", "label": fields[key].get("label") or "", "message": errors[key],
              "expected": expected_format(fields[key])} for key in fields if key in errors]
    items += [{"href": None, "label": "", "message": message, "expected": ""}
              for key, message in errors.items() if key not in fields]
    return items
