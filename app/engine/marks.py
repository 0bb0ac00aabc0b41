"""Carry the personal-data marks through a definition: a variable a script, an input or output parameter, a call
activity's `camunda:in` / `camunda:out` or a decision's result fills from a personal one is personal too.

`copy = id_number` makes `copy` a 身份证 (masked as one); `label = "申请人" + applicant_name`, a slice, a record
or anything else built from personal data is `DERIVED` (hidden whole). A comparison, `len`, `age` and the
other functions that answer a fact about a value rather than the value itself carry nothing, so
`eligible = per_capita_income < dibao_standard` stays an ordinary variable.
"""

import ast
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from app.domain.personal import DERIVED

from .changes import Definition
from .expressions import unwrap
from .extensions import INPUTS, INS, OUTPUTS, OUTS
from .sandbox import parse_source

# functions whose answer is a fact about their arguments, not (part of) their content
FACTS = frozenset({"len", "bool", "age", "is_workday", "any", "all", "now", "range_list", "month",
                   "add_workdays", "add_days", "add_months", "next_month", "date", "sampled",
                   # an assistance amount is published with the household's name ([低保办法]) and paid by finance
                   "dibao_amount", "dibao_max", "tekun_amount", "amount_left"})
COPIES = frozenset({"str"})  # the answer is the argument itself


Flow = Callable[..., str | None]  # the kind a variable receives, given the marks so far

def carried_marks(definition: Definition, marks: Mapping[str, str]) -> dict[str, str]:
    """Return `marks` plus every variable a script, input or output parameter, call mapping or multi-instance
    item of the definition (its own processes and those it calls) fills from a marked one."""
    flows = list(_flows(definition))
    carried = dict(marks)
    for _ in range(2 * len(flows) + 1):  # a round that changes nothing ends it; a target changes twice at most
        changed = False
        for target, source in flows:
            kind = source(carried)
            if kind is not None and carried.get(target) not in (kind, DERIVED):
                carried[target] = kind if target not in carried else DERIVED
                changed = True
        if not changed:
            break
    return carried


def _flows(definition: Definition) -> Iterator[tuple[str, Flow]]:
    """(target variable, function of the marks giving the kind it receives, or None)."""
    spec = definition.spec
    specs = [spec.get("spec") or {}, *(spec.get("subprocess_specs") or {}).values()]
    for task_spec in (t for s in specs for t in (s.get("task_specs") or {}).values()):
        for field in ("script", "prescript", "postscript"):
            if isinstance(task_spec.get(field), str):
                yield from _script_flows(task_spec[field])
        yield from _item_flows(task_spec)
        yield from _mapping_flows(task_spec.get("extensions") or {})
        yield from _decision_flows(task_spec)
    every = [definition.activities, *definition.called.values()]
    for info in (i for group in every for i in group.values()):
        for name, expression in (info.inputs or {}).items():
            yield from _expression_flow(name, expression)


def _mapping_flows(extensions: dict[str, Any]) -> Iterator[tuple[str, Flow]]:
    """Output parameters, a call activity's input parameters, and what its `camunda:in` / `camunda:out` pass:
    a target receives its source's kind (`variables="all"` passes each variable under its own name)."""
    for group in (OUTPUTS, INPUTS):
        for name, expression in (extensions.get(group) or {}).items():
            yield from _expression_flow(name, expression)
    for mapping in (m for kind in (INS, OUTS) for m in extensions.get(kind) or ()):
        target, source = mapping.get("target"), mapping.get("source")
        if not target:
            continue
        if mapping.get("expression"):
            yield from _expression_flow(target, mapping["expression"])
        elif source:
            yield target, lambda marks, name=source: marks.get(name)


def _decision_flows(task_spec: dict[str, Any]) -> Iterator[tuple[str, Flow]]:
    """A business rule task's result variable is built from personal data when an output entry or a literal
    expression of its decisions (the one it calls and those that one requires) reads any: hidden whole."""
    target, decisions = task_spec.get("result_variable"), task_spec.get("decisions") or {}
    if not target:
        return
    sources = [d.get("expression") if d.get("kind") == "literal" else None for d in decisions.values()]
    sources += [text for d in decisions.values() for rule in d.get("rules") or () for text in rule.get("outputs") or ()]
    trees = [tree.body for tree in (_parse(text, "eval") for text in sources if text) if tree is not None]

    def kind(marks: Mapping[str, str]) -> str | None:
        return DERIVED if any(kind_of(tree, marks) is not None for tree in trees) else None

    yield target, kind


def _expression_flow(target: str, expression: str) -> Iterator[tuple[str, Flow]]:
    tree = _parse(unwrap(expression or ""), "eval")
    if tree is not None:
        yield target, lambda marks, node=tree.body: kind_of(node, marks)


def _item_flows(task_spec: dict[str, Any]) -> Iterator[tuple[str, Flow]]:
    """A multi-instance task's element comes from its collection, and its collected output from each item."""
    def ref(key: str) -> str | None:
        return (task_spec.get(key) or {}).get("bpmn_id")
    for target, source in ((ref("input_item"), ref("data_input")), (ref("data_output"), ref("output_item"))):
        if target and source:
            yield target, lambda marks, name=source: DERIVED if name in marks else None


def _script_flows(script: str) -> Iterator[tuple[str, Flow]]:
    tree = _parse(script, "exec")
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, lambda marks, value=node.value: kind_of(value, marks)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            expr = ast.BinOp(left=ast.Name(node.target.id, ast.Load()), op=node.op, right=node.value)
            yield node.target.id, lambda marks, value=expr: kind_of(value, marks)


def _parse(source: str, mode: str) -> Any:
    try:
        return parse_source(source, mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # refused at deploy; a stored definition always parses


def kind_of(node: ast.AST, marks: Mapping[str, str]) -> str | None:
    """Return the personal kind an expression's value carries: its source's for a copy, DERIVED for
    anything built from personal data, None when it carries none."""
    if isinstance(node, ast.Name):
        return marks.get(node.id)
    if isinstance(node, (ast.Constant, ast.Compare)) or (isinstance(node, ast.UnaryOp)
                                                          and isinstance(node.op, ast.Not)):
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in FACTS:
            return None
        if node.func.id in COPIES and len(node.args) == 1 and not node.keywords:
            return kind_of(node.args[0], marks)
    if isinstance(node, ast.IfExp):
        return _either(kind_of(node.body, marks), kind_of(node.orelse, marks))
    if isinstance(node, ast.BoolOp):
        kinds = [kind_of(value, marks) for value in node.values]
        found = {k for k in kinds if k is not None}
        return found.pop() if len(found) == 1 else (DERIVED if found else None)
    parts = [kind_of(child, marks) for child in ast.iter_child_nodes(node)]
    return DERIVED if any(k is not None for k in parts) else None


def _either(first: str | None, second: str | None) -> str | None:
    """The kind of a value that is one of two: the same kind, or DERIVED when they differ."""
    if first is None or second is None or first == second:
        return first or second
    return DERIVED
