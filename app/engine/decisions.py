"""Decisions as Camunda 7 evaluates them: decision tables with every hit policy, literal expressions, decision
requirements graphs, and the business rule task's `camunda:mapDecisionResult`.

A DMN file is read once, at deploy, into plain data: each cell compiled from FEEL (feel.py), so a refused cell
names its id. A business rule task keeps the decision it calls and every decision that one requires, so a case
keeps the rules it started under. Evaluation runs each compiled cell in the bounded evaluator.
"""

import ast
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from lxml import etree

from app.domain.clock import CHINA_TZ
from app.domain.errors import DeploymentRefused

from .feel import CELL_INPUT, FeelError, compile_expression, compile_unary_tests

DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")
CAMUNDA_DMN = "http://camunda.org/schema/1.0/dmn"
DATE_TYPE = "date"  # Camunda 7's DMN date type: an output or literal of it is a Date variable
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
_LANGUAGES = ("", "feel", "https://www.omg.org/spec/dmn/20191111/feel/", "http://www.omg.org/spec/feel/20140401",
              "juel")


class DecisionError(Exception):
    """A decision could not be made (a UNIQUE table matched twice, a result that does not fit its mapping)."""


# -- reading DMN -----------------------------------------------------------------------------------------------


def parse_decisions(root: Any, filename: str) -> dict[str, dict[str, Any]]:
    """Return every decision of a DMN file by id; refuse the file naming the cell that cannot be compiled."""
    if etree.QName(root).localname != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        raise DeploymentRefused("不是 DMN 文件（根元素应为 dmn:definitions）", file=filename)
    decisions = {}
    for node in root.iterfind("{*}decision"):
        decision_id = node.get("id")
        if not decision_id:
            raise DeploymentRefused("决策须有 id", file=filename, line=node.sourceline)
        decisions[decision_id] = _decision(node, filename)
    for decision_id, decision in decisions.items():
        missing = [ref for ref in decision["requires"] if ref not in decisions]
        if missing:
            raise DeploymentRefused(f"决策依赖的 {', '.join(missing)} 不在本文件中", file=filename,
                                    element=decision_id)
    return decisions


def _decision(node: Any, filename: str) -> dict[str, Any]:
    requires = [ref.get("href", "").lstrip("#") for ref in node.iterfind("{*}informationRequirement/"
                                                                         "{*}requiredDecision")]
    table, literal = node.find("{*}decisionTable"), node.find("{*}literalExpression")
    base = {"id": node.get("id"), "name": node.get("name") or node.get("id"), "requires": requires}
    if table is not None:
        return {**base, "kind": "table", **_table(table, filename)}
    if literal is not None:
        variable = node.find("{*}variable")
        name = variable.get("name") if variable is not None else node.get("id")
        return {**base, "kind": "literal", "variable": name,
                "type": variable.get("typeRef") if variable is not None else None,
                "expression": _cell(literal, filename, node.get("id"), compile_expression)}
    raise DeploymentRefused("决策须为决策表或字面表达式", file=filename, element=node.get("id"))


def _table(table: Any, filename: str) -> dict[str, Any]:
    owner = table.get("id")
    policy = (table.get("hitPolicy") or "UNIQUE").upper().replace("_", " ")
    aggregation = table.get("aggregation")
    if policy not in HIT_POLICIES:
        raise DeploymentRefused(f"命中策略 {policy} 不受支持", file=filename, element=owner)
    if aggregation and (policy != "COLLECT" or aggregation not in AGGREGATIONS):
        raise DeploymentRefused(f"聚合 {aggregation} 只用于 COLLECT（SUM/MIN/MAX/COUNT）", file=filename,
                                element=owner)
    inputs = [{"id": el.get("id"), "label": el.get("label"),
               "variable": el.get(f"{{{CAMUNDA_DMN}}}inputVariable") or None,
               "expression": _cell(el.find("{*}inputExpression"), filename, el.get("id"), compile_expression)}
              for el in table.iterfind("{*}input")]
    outputs = [{"id": el.get("id"), "name": el.get("name") or el.get("label") or el.get("id"),
                "type": el.get("typeRef"), "values": _output_values(el, filename)}
               for el in table.iterfind("{*}output")]
    if aggregation and len(outputs) != 1:
        raise DeploymentRefused(f"聚合 {aggregation} 要求决策表只有一个输出", file=filename, element=owner)
    if policy in ("PRIORITY", "OUTPUT ORDER") and not any(o["values"] for o in outputs):
        raise DeploymentRefused(f"命中策略 {policy} 须为输出列出输出值（优先次序）", file=filename, element=owner)
    rules = [{"id": rule.get("id"),
              "tests": [_cell(entry, filename, entry.get("id") or rule.get("id"), compile_unary_tests)
                        for entry in rule.iterfind("{*}inputEntry")],
              "outputs": [_cell(entry, filename, entry.get("id") or rule.get("id"), compile_expression)
                          for entry in rule.iterfind("{*}outputEntry")]}
             for rule in table.iterfind("{*}rule")]
    for rule in rules:
        if len(rule["tests"]) != len(inputs) or len(rule["outputs"]) != len(outputs):
            raise DeploymentRefused("规则的条目数与输入、输出列数不符", file=filename, element=rule["id"])
    return {"hitPolicy": policy, "aggregation": aggregation, "inputs": inputs, "outputs": outputs, "rules": rules}


def _output_values(output: Any, filename: str) -> list[Any] | None:
    values = output.find("{*}outputValues")
    if values is None:
        return None
    text = values.findtext("{*}text") or ""
    try:
        return [ast.literal_eval(compile_expression(part)) for part in _split_list(text)]
    except (FeelError, ValueError, SyntaxError) as err:
        raise DeploymentRefused(f"输出值列表无法解析：{err}", file=filename, element=output.get("id")) from err


def _split_list(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p for p in [*parts, current] if p.strip()]


def _cell(el: Any, filename: str, element: str | None, compile_text: Callable[[str], str | None]) -> str | None:
    if el is None:
        return None
    language = (el.get("expressionLanguage") or "").lower()
    if language not in _LANGUAGES:
        raise DeploymentRefused(f"表达式语言 {language} 不受支持：只接受 FEEL", file=filename, element=element)
    text = el.findtext("{*}text") or ""
    try:
        return compile_text(text)
    except FeelError as err:
        raise DeploymentRefused(f"单元格 {text.strip()[:60]!r}：{err}", file=filename, element=element) from err


def decision_graph(decisions: dict[str, dict[str, Any]], decision_id: str) -> dict[str, dict[str, Any]]:
    """The decision `decision_id` and every decision it requires, directly or not."""
    graph, pending = {}, [decision_id]
    while pending:
        name = pending.pop()
        if name not in graph:
            graph[name] = decisions[name]
            pending.extend(decisions[name]["requires"])
    return graph


# -- evaluating ------------------------------------------------------------------------------------------------

Evaluate = Callable[[str, dict[str, Any]], object]  # (compiled expression, names) -> value, in the bounded evaluator


def evaluate_decision(graph: dict[str, dict[str, Any]], decision_id: str, data: dict[str, Any],
                      evaluate: Evaluate) -> list[dict[str, Any]]:
    """Return the decision's result: one dict of output name -> value per matched rule (Camunda's result list).

    Each required decision is evaluated first; its outputs are visible to the decision by their names (a list of
    values where it matched several rules)."""
    names = dict(data)
    for required in graph[decision_id]["requires"]:
        names.update(_as_variables(evaluate_decision(graph, required, data, evaluate)))
    decision = graph[decision_id]
    if decision["kind"] == "literal":
        value = evaluate(decision["expression"], names)
        return [{decision["variable"]: _typed(value, decision.get("type"), decision["variable"])}]
    types = {o["name"]: o.get("type") for o in decision["outputs"]}
    return [{name: _typed(value, types.get(name), name) for name, value in result.items()}
            for result in _apply_hit_policy(decision, _matches(decision, names, evaluate))]


def output_types(graph: dict[str, dict[str, Any]], decision_id: str) -> dict[str, str]:
    """The decision's outputs of a type JSON does not say, by name: `Date` for DMN's `date`."""
    decision = graph[decision_id]
    outputs = [{"name": decision["variable"], "type": decision.get("type")}] if decision["kind"] == "literal" \
        else decision["outputs"]
    return {o["name"]: "Date" for o in outputs if o.get("type") == DATE_TYPE}


def result_type(graph: dict[str, dict[str, Any]], decision_id: str, mapping: str | None) -> str | None:
    """The type of a business rule task's result variable when JSON does not say it: a single entry of a date
    output is a Date (any other mapping gives a map or a list)."""
    types = output_types(graph, decision_id)
    return next(iter(types.values())) if mapping == "singleEntry" and len(types) == 1 else None


def _typed(value: Any, type_ref: str | None, name: str) -> Any:
    """A value as its output's typeRef has it: a date as Camunda writes one (yyyy-MM-dd'T'HH:mm:ss.SSSZ)."""
    if type_ref != DATE_TYPE or value is None:
        return value
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as err:
            raise DecisionError(f"输出 {name} 的类型为 date，值 {value!r} 不是日期") from err
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if not isinstance(moment, datetime):
        raise DecisionError(f"输出 {name} 的类型为 date，值 {value!r} 不是日期")
    aware = moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)
    text = aware.astimezone(CHINA_TZ).isoformat(timespec="milliseconds")
    return text[:-3] + text[-2:]


def _as_variables(results: list[dict[str, Any]]) -> dict[str, Any]:
    if len(results) == 1:
        return dict(results[0])
    merged: dict[str, Any] = {}
    for result in results:
        for key, value in result.items():
            merged.setdefault(key, []).append(value)
    return merged


def _matches(table: dict[str, Any], names: dict[str, Any], evaluate: Evaluate) -> list[dict[str, Any]]:
    values = [evaluate(entry["expression"], names) if entry["expression"] else None for entry in table["inputs"]]
    matched = []
    for rule in table["rules"]:
        if all(test is None or evaluate(test, _with_input(names, entry, value)) is True
               for test, entry, value in zip(rule["tests"], table["inputs"], values, strict=True)):
            matched.append({"rule": rule["id"], "outputs": {
                output["name"]: evaluate(text, names) if text else None
                for output, text in zip(table["outputs"], rule["outputs"], strict=True)}})
    return matched


def _with_input(names: dict[str, Any], entry: dict[str, Any], value: Any) -> dict[str, Any]:
    """The names a unary test sees: the input as `cellInput` (`?`), and by its `camunda:inputVariable` name."""
    return {**names, CELL_INPUT: value, **({entry["variable"]: value} if entry.get("variable") else {})}


def _apply_hit_policy(table: dict[str, Any], matched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    policy, results = table["hitPolicy"], [m["outputs"] for m in matched]
    if policy == "UNIQUE" and len(matched) > 1:
        raise DecisionError(f"决策表 {table['id']}（UNIQUE）命中多条规则：{', '.join(m['rule'] for m in matched)}")
    if policy == "ANY" and any(r != results[0] for r in results):
        raise DecisionError(f"决策表 {table['id']}（ANY）命中的规则输出不同：{', '.join(m['rule'] for m in matched)}")
    if policy in ("FIRST", "ANY", "UNIQUE"):
        return results[:1]
    if policy in ("PRIORITY", "OUTPUT ORDER"):
        ordered = sorted(results, key=lambda r: _priority(table, r))
        return ordered[:1] if policy == "PRIORITY" else ordered
    if policy == "COLLECT" and table["aggregation"]:
        return _aggregate(table, results)
    return results


def _priority(table: dict[str, Any], result: dict[str, Any]) -> tuple[Any, ...]:
    key = []
    for output in table["outputs"]:
        values = output["values"] or []
        value = result.get(output["name"])
        key.append(values.index(value) if value in values else len(values))
    return tuple(key)


_AGGREGATES: dict[str, Callable[[list[Any]], Any]] = {"SUM": lambda v: sum(v), "MIN": lambda v: min(v),
                                                      "MAX": lambda v: max(v)}


def _aggregate(table: dict[str, Any], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    name, kind = table["outputs"][0]["name"], table["aggregation"]
    values = [r[name] for r in results if r.get(name) is not None]
    if kind == "COUNT":
        return [{name: len(values)}]
    if not values:
        return []
    try:
        total = _AGGREGATES[kind](values)
    except TypeError as err:
        raise DecisionError(f"决策表 {table['id']} 的 {kind} 须作用于数值：{err}") from err
    return [{name: total}]


def map_result(results: list[dict[str, Any]], mapping: str | None, activity: str) -> Any:
    """Shape a decision result as `camunda:mapDecisionResult` says (Camunda's default: resultList)."""
    mapping = mapping or "resultList"
    if mapping in ("singleEntry", "singleResult") and len(results) > 1:
        raise DecisionError(f"{activity}：mapDecisionResult={mapping} 要求至多一条结果，得到 {len(results)} 条")
    if mapping in ("singleEntry", "collectEntries") and any(len(r) != 1 for r in results):
        raise DecisionError(f"{activity}：mapDecisionResult={mapping} 要求每条结果只有一个输出")
    if mapping == "singleEntry":
        return next(iter(results[0].values())) if results else None
    if mapping == "singleResult":
        return dict(results[0]) if results else None
    if mapping == "collectEntries":
        return [next(iter(r.values())) for r in results]
    return [dict(r) for r in results]
