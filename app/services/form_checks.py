"""Deploy-time checks of a form's fields: every rule a submission is validated by must be one the server can run.

A rule that cannot be run (`minItems: "abc"`, a pattern RE2 cannot compile, `maxLength: "x"`) is refused when the
form is deployed, naming the field, instead of failing every submission later.
"""

import re

from app.engine.expressions import expression_problem, feel_to_python

from .patterns import PatternError, compiled

MAX_ITEMS = 1000


def field_problem(component: dict) -> str | None:
    """Return why a form field's rules are unacceptable, or None."""
    for check in (_validate_problem, _property_problem, _expression_problem):
        problem = check(component)
        if problem:
            return problem
    return None


def _validate_problem(component: dict) -> str | None:
    rules = component.get("validate") or {}
    if not isinstance(rules, dict):
        return "validate 须为对象"
    for key in ("min", "max"):
        if rules.get(key) is not None and not _is_number(rules[key]):
            return f"validate.{key} 须为数字"
    for key in ("minLength", "maxLength"):
        if rules.get(key) is not None and not (_is_whole(rules[key]) and rules[key] >= 0):
            return f"validate.{key} 须为非负整数"
    pattern = rules.get("pattern")
    if pattern is None or pattern == "":
        return None
    if not isinstance(pattern, str):
        return "validate.pattern 须为正则表达式文本"
    try:
        compiled(pattern)
    except PatternError as err:
        return f"validate.pattern 无法使用（只接受不需回溯的正则，不支持反向引用与环视）：{err}"
    return None


def _property_problem(component: dict) -> str | None:
    props = component.get("properties") or {}
    if not isinstance(props, dict):
        return "properties 须为对象"
    items = props.get("minItems")
    if items not in (None, "") and not (str(items).strip().isdigit() and int(str(items)) <= MAX_ITEMS):
        return f"properties.minItems 须为 0–{MAX_ITEMS} 的整数"
    digits = component.get("decimalDigits")
    if digits is not None and not (_is_whole(digits) and 0 <= digits <= 15):
        return "decimalDigits 须为 0–15 的整数"
    return None


def _expression_problem(component: dict) -> str | None:
    rule, hide = (component.get("properties") or {}).get("rule"), (component.get("conditional") or {}).get("hide")
    for expr in (rule, hide):
        if expr is not None and not isinstance(expr, str):
            return "表达式须为文本"
        problem = expr and expression_problem(feel_to_python(expr) if expr.startswith("=") else expr)
        if problem:
            return problem
    return None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and abs(value) != float("inf")


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


IMAGE_SOURCE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+")
VARIABLE = re.compile(r"=\s*([A-Za-z_][A-Za-z0-9_]*)\s*")


def display_problem(component: dict) -> str | None:
    """Return why a component that is only shown (a picture, HTML, a table of case data) cannot be shown as the
    designer meant, or None."""
    kind = component.get("type")
    if kind == "image" and not IMAGE_SOURCE.fullmatch(str(component.get("source") or "")):
        return ("图片须嵌入表单（source 为 data:image/png、jpeg、gif 或 webp 的 base64 内容）：页面不从其他网站"
                "加载图片，也不按表达式取图")
    if kind == "html" and not isinstance(component.get("content", ""), str):
        return "html 的 content 须为文本"
    if kind == "table":
        return _table_problem(component)
    return None


def _table_problem(component: dict) -> str | None:
    if component.get("columnsExpression"):
        return "表格的列须逐列写明（columns），不支持按表达式生成（columnsExpression）"
    if not VARIABLE.fullmatch(str(component.get("dataSource") or "")):
        return "表格的数据来源（dataSource）须为案件数据中的一个列表变量，如 =household_members"
    columns = component.get("columns")
    if not isinstance(columns, list) or not columns or not all(
            isinstance(c, dict) and isinstance(c.get("key"), str) and c["key"] for c in columns):
        return "表格须写明各列（columns：每列的 label 与 key）"
    return None


def table_source(component: dict) -> str:
    """The case variable a table shows (its `dataSource`, `=name`)."""
    found = VARIABLE.fullmatch(str(component.get("dataSource") or ""))
    return found[1] if found else ""
