"""Validate submitted task variables against a Camunda Forms (form-js) schema on the server.

Supported: required, min, max, minLength, maxLength, pattern; a number's decimalDigits; select/radio values;
`conditional.hide` (FEEL) to skip hidden fields; and custom properties Camunda
Modeler's form editor can set: `format: id_number`, `minItems`, and `rule` +
`ruleMessage` (a restricted expression over `value` and the case data); `personal` marks a field as
personal data of a kind (app/domain/personal.py), and no message ever shows a personal value whole.
"""

import re
from collections.abc import Mapping

from app.domain.errors import DeploymentRefused, ValidationFailed
from app.domain.id_number import id_number_problem
from app.domain.personal import FORM_PROPERTY, KINDS, PERSONAL_FIELDS, known_kind, rows_kind, scrub
from app.domain.strict_json import strict_loads
from app.engine.expressions import ExpressionError, evaluate, feel_to_python
from app.engine.functions import FunctionContext

from .patterns import PatternError, matches

LIST_SEPARATOR = "、"
FORM_FILES = (".form", ".json")
FILE = "filepicker"  # a file of the task: its value is the id of the task's attachment (several: a list of ids)
INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "radio", "select", "datetime",
               "checklist", "taglist", FILE}


def file_schema(fname: str, content: bytes):
    """The schema a form file deploys as: its JSON, the id older form-js leaves out taken from its file name;
    raises ValueError or UnicodeDecodeError for a file that is not JSON."""
    schema = strict_loads(content)
    if isinstance(schema, dict) and not schema.get("id") and isinstance(schema.get("components"), list):
        schema["id"] = fname.rsplit("/", 1)[-1].removesuffix(".form")
    return schema


CLIENT_FORM_PREFIXES = ("embedded:", "app:", "deployment:", "external:")


def is_client_form(form_key: str | None) -> bool:
    """A `camunda:formKey` the client renders (an embedded HTML form, `embedded:app:forms/x.html`): kept and returned
    as Camunda returns it; the service validates no fields for it."""
    return bool(form_key) and (form_key.startswith(CLIENT_FORM_PREFIXES) or form_key.endswith((".html", ".htm")))


LIST = "dynamiclist"  # form-js's repeating rows: its `path` names the variable, a list of records of its components
# shown and carrying no value: texts, a picture embedded in the form, HTML (its safe tags only), a table of case data
DISPLAY_TYPES = {"text", "spacer", "separator", "image", "html", "table"}
# what the pages render and the service validates: the inputs, the rows, and what is only shown
FORM_TYPES = INPUT_TYPES | DISPLAY_TYPES | {LIST, "group"}


def all_components(schema: dict) -> list[dict]:
    """Every component of a form, nested groups included."""
    found = []
    for component in schema.get("components") or []:
        if isinstance(component, dict):
            found.append(component)
            found.extend(all_components(component))
    return found


def form_fields(schema: dict) -> list[dict]:
    """Return the input components of a form, nested groups included; a list of rows is one field (its `key`
    is its `path`), whose components are the fields of each row."""
    fields = []
    for component in schema.get("components") or []:
        if not isinstance(component, dict):
            continue
        if component.get("type") == LIST and component.get("path") and isinstance(component["path"], str):
            fields.append({**component, "key": component["path"]})
            continue
        if component.get("type") in INPUT_TYPES and component.get("key") and isinstance(component["key"], str):
            fields.append(component)
        fields.extend(form_fields(component))
    return fields


def form_marks(schema: dict) -> dict[str, str]:
    """Return the fields the form marks as personal (custom property `personal`) and their kinds; a list of rows
    with personal fields is a records kind (app/domain/personal.py)."""
    marks = {}
    for field in form_fields(schema):
        if field["type"] == LIST:
            inner = form_marks(field)
            if inner:
                marks[field["key"]] = rows_kind(inner)
        elif FORM_PROPERTY in (field.get("properties") or {}):
            marks[field["key"]] = str(field["properties"][FORM_PROPERTY])
    return marks


def check_marks(schema: dict, filename: str) -> None:
    """Refuse a form that marks a field with a kind of personal data the service does not know."""
    for key, kind in form_marks(schema).items():
        if not known_kind(kind):
            raise DeploymentRefused(f"字段 {key}：personal 的值 {kind} 不是已知的个人信息类别"
                                    f"（{', '.join(KINDS)}）", file=filename, element=key)


def validate_submission(schema: dict, submitted: dict, case_data: dict, context: FunctionContext,
                        marks: Mapping[str, str] | None = None) -> dict:
    """Return the submitted values to store, or raise ValidationFailed naming each bad field.

    A message never shows a personal value (by `marks`, else the table and the form's own) whole.
    """
    fields = {f["key"]: f for f in form_fields(schema)}
    errors = [{"field": k, "message": f"表单 {schema.get('id')} 中没有字段 {k}"} for k in submitted if k not in fields]
    submitted, errors = household_figures(fields, submitted, errors)
    names = {**case_data, **_untouched(fields), **submitted}  # a condition sees what form-js would submit
    accepted = {}
    for key, component in fields.items():
        if _hidden(component, names, context):
            continue
        value = submitted.get(key)
        problem = _problem(component, value, names, context)
        if problem:
            errors.append({"field": key, "message": f"{component.get('label') or key}：{problem}"})
        elif key in submitted:
            accepted[key] = _normalise(component, value)
        elif component["type"] == "checkbox":
            accepted[key] = False  # an unticked box submits nothing in form-js
        elif "defaultValue" in component:
            accepted[key] = component["defaultValue"]  # form-js submits an untouched field's default
    if errors:
        marks = marks if marks is not None else {**PERSONAL_FIELDS, **form_marks(schema)}
        personal = [(kind, value) for data in (case_data, submitted) for name, value in data.items()
                    if (kind := marks.get(name))]
        errors = [{**e, "message": scrub(e["message"], personal)} for e in errors]
        raise ValidationFailed(errors[0]["message"], field=errors[0]["field"], errors=errors)
    return accepted


HOUSEHOLD = "household"  # a list's custom property: its rows are the household's members ...
SIZE, PER_CAPITA, INCOME = "household_size", "per_capita_income", "member_income"  # ... which give these figures


def household_figures(fields: dict[str, dict], submitted: dict, errors: list) -> tuple[dict, list]:
    """A household-member list given fills the household's size and monthly per-capita income (what the amount
    rules read) from its rows; a size or income also given that differs is refused naming it."""
    members = next((f for f in fields.values() if f["type"] == LIST and (f.get("properties") or {}).get(HOUSEHOLD)),
                   None)
    rows = submitted.get(members["key"]) if members else None
    if not rows or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return submitted, errors
    incomes = [r.get(INCOME) or 0 for r in rows]
    if not all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in incomes):
        return submitted, errors  # the rows' own check names the income
    figures = {SIZE: len(rows), PER_CAPITA: round(sum(incomes) / len(rows), 2)}
    out = dict(submitted)
    for key, value in figures.items():
        if key not in fields:
            continue
        given = submitted.get(key)
        if given not in (None, "") and given != value:
            errors = [*errors, {"field": key, "message": f"{fields[key].get('label') or key}：与家庭成员列表不符"
                                                        f"（按成员计算为 {value}）"}]
        out[key] = value
    return out, errors


def _untouched(fields: dict[str, dict]) -> dict:
    """What an untouched field submits: an unticked box False, another field its default."""
    return {key: False if c["type"] == "checkbox" else c["defaultValue"] for key, c in fields.items()
            if c["type"] == "checkbox" or "defaultValue" in c}


def _hidden(component: dict, names: dict, context: FunctionContext) -> bool:
    hide = (component.get("conditional") or {}).get("hide")
    if not hide:
        return False
    try:
        return bool(evaluate(feel_to_python(hide), names, context))
    except ExpressionError:
        return False


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _problem(component: dict, value, names: dict, context: FunctionContext) -> str | None:
    rules = component.get("validate") or {}
    if _empty(value) or (component["type"] == "checkbox" and value is False and rules.get("required")):
        return "必填" if rules.get("required") else None
    for check in (_type_problem, _range_problem, _property_problem):
        problem = check(component, value, rules, names, context)
        if problem:
            return problem
    return None


def _type_problem(component, value, rules, names, context) -> str | None:
    kind = component["type"]
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return "须为数字"
    digits = component.get("decimalDigits") if kind == "number" else None
    if digits is not None and round(value, digits) != value:
        return "须为整数" if digits == 0 else f"最多 {digits} 位小数"
    if kind == "checkbox" and not isinstance(value, bool):
        return "须为是/否"
    if kind in ("textfield", "textarea", "datetime") and not isinstance(value, str):
        listed = isinstance(value, list) and (component.get("properties") or {}).get("minItems")
        if not listed or not all(isinstance(item, str) for item in value):
            return "须为文本" if not listed else "每项须为文本"
    if kind in ("radio", "select") and component.get("values"):
        allowed = [v.get("value") for v in component["values"]]
        if value not in allowed:
            return f"须为以下之一：{', '.join(map(str, allowed))}"
    compound = {"checklist": lambda: _checklist_problem(component, value),
                LIST: lambda: _rows_problem(component, value, names, context),
                FILE: lambda: _file_problem(component, value)}.get(kind)
    return compound() if compound else None


def _file_problem(component: dict, value) -> str | None:
    """A file picker's value names the task's attachments (checked against the task by the caller): one id, or a
    list of them where the picker takes several."""
    ids = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not component.get("multiple"):
        return "只能选择一个文件"
    if not ids or not all(isinstance(i, str) and i for i in ids):
        return "须为本任务附件的编号（先上传附件，再提交其编号）"
    return None


def file_fields(schema: dict) -> list[dict]:
    """The form's file pickers."""
    return [f for f in form_fields(schema) if f["type"] == FILE]


def _rows_problem(component: dict, value, names: dict, context: FunctionContext) -> str | None:
    """The first problem of a list of rows: not a list of records, an unknown column, or a row's field."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return "须为若干行，每行为一个对象"
    columns = {f["key"]: f for f in form_fields(component)}
    for number, row in enumerate(value, start=1):
        unknown = sorted(set(row) - set(columns))
        if unknown:
            return f"第 {number} 行：没有字段 {unknown[0]}"
        for key, column in columns.items():
            problem = _problem(column, row.get(key), {**names, **row}, context)
            if problem:
                return f"第 {number} 行 {column.get('label') or key}：{problem}"
    return None


def _checklist_problem(component: dict, value) -> str | None:
    allowed = [v.get("value") for v in component.get("values") or []]
    if not isinstance(value, list) or len(set(map(str, value))) != len(value):
        return "须为不重复的选项列表"
    if allowed and any(item not in allowed for item in value):
        return f"每项须为以下之一：{', '.join(map(str, allowed))}"
    return None


def _range_problem(component, value, rules, names, context) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if rules.get("min") is not None and value < rules["min"]:
            return f"不得小于 {rules['min']}"
        if rules.get("max") is not None and value > rules["max"]:
            return f"不得大于 {rules['max']}"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = LIST_SEPARATOR.join(value)  # a list stands for the text a user types in the field: the same rules
    if isinstance(value, str):
        if rules.get("minLength") and len(value) < rules["minLength"]:
            return f"至少 {rules['minLength']} 个字符"
        if rules.get("maxLength") and len(value) > rules["maxLength"]:
            return f"最多 {rules['maxLength']} 个字符"
        if rules.get("pattern") and not _matches(rules["pattern"], value):
            return "格式不正确"
    return None


def _matches(pattern, text: str) -> bool:
    try:
        return matches(pattern, text)
    except (PatternError, TypeError):
        return False  # a form deployed before patterns were checked: its rule cannot pass


def _items(value) -> list:
    if isinstance(value, list):
        return [v for v in value if not _empty(v)]
    return [v for v in re.split(r"[,，、;；\n]+", str(value)) if v.strip()]


def _property_problem(component, value, rules, names, context) -> str | None:
    props = component.get("properties") or {}
    if props.get("format") == "id_number":
        return id_number_problem(value)
    if props.get("minItems") and len(_items(value)) < _whole(props["minItems"]):
        return f"至少须有 {props['minItems']} 项"
    if props.get("rule"):
        try:
            ok = evaluate(props["rule"], {**names, "value": value}, context)
        except ExpressionError as err:
            return f"校验规则无法求值：{err}"
        if not ok:
            return props.get("ruleMessage") or "不符合规则"
    return None


def _whole(text) -> int:
    """A count a form's custom property gives as text; one that is not a count cannot be met."""
    return int(text) if str(text).strip().isdigit() else 10**9


def _normalise(component: dict, value):
    if component["type"] == LIST:
        columns = {f["key"]: f for f in form_fields(component)}
        return [{k: _normalise(columns[k], v) for k, v in row.items() if not _empty(v)} for row in value]
    props = component.get("properties") or {}
    if props.get("minItems"):
        return [str(v).strip() for v in _items(value)]
    if props.get("format") == "id_number":
        return value.strip().upper()
    return value
