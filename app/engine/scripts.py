"""Script tasks: a restricted language of assignments and if-blocks, each value a safe expression.

`approved_at = now()` or `if opinion == 'reject': decided_at = now()` run; loops,
imports, function definitions and anything else are refused at deploy time.
"""

import ast
from typing import Any, cast

from .expressions import ExpressionError, _evaluator, bounded, to_storable, tree_problem
from .functions import FunctionContext
from .sandbox import MAX_BUILT, BoundedEval, deep_size, parse_source

_ALLOWED_STATEMENTS = (ast.Assign, ast.AugAssign, ast.If, ast.Pass)
MAX_STATEMENTS = 200
MAX_SCRIPT_LENGTH = 50_000


def script_problem(script: str) -> str | None:
    """Return why a script is unacceptable, or None."""
    if len(script or "") > MAX_SCRIPT_LENGTH:
        return f"脚本超过 {MAX_SCRIPT_LENGTH} 字符上限"
    try:
        tree = parse_source(script or "", "exec")
    except SyntaxError as err:
        return f"脚本语法错误（第{err.lineno}行）：{err.msg}"
    except (ValueError, RecursionError, MemoryError) as err:
        return f"脚本无法解析：{type(err).__name__}"
    statements = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    if len(statements) > MAX_STATEMENTS:
        return f"脚本语句过多（上限 {MAX_STATEMENTS}）"
    for node in statements:
        if not isinstance(node, _ALLOWED_STATEMENTS):
            return f"第{node.lineno}行：脚本只允许赋值与 if 语句，不允许 {type(node).__name__}"
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in filter(None, targets):
            if not isinstance(target, ast.Name):
                return f"第{node.lineno}行：只能给变量赋值"
    return tree_problem(tree)


def run_script(script: str, data: dict[str, Any], context: FunctionContext) -> None:
    """Run a checked script, updating `data` in place: one evaluation, under one CPU deadline and size budget."""
    problem = script_problem(script)
    if problem:
        raise ExpressionError(problem)
    statements = parse_source(script, "exec").body
    bounded(lambda: _run_block(statements, _evaluator(data, context), data))


def _assign(evaluator: BoundedEval, data: dict[str, Any], name: str, value: Any) -> None:
    evaluator.charge(deep_size(value, MAX_BUILT))  # what a script keeps in the case counts as built too
    data[name] = evaluator.names[name] = value


def _run_block(statements: list[ast.stmt], evaluator: BoundedEval, data: dict[str, Any]) -> None:
    for node in statements:
        if isinstance(node, ast.Assign):
            value = to_storable(evaluator.eval(ast.unparse(node.value)))
            for target in node.targets:
                _assign(evaluator, data, cast(ast.Name, target).id, value)  # script_problem allows names only
        elif isinstance(node, ast.AugAssign):
            name = cast(ast.Name, node.target).id
            expr = ast.BinOp(left=ast.Name(name, ast.Load()), op=node.op, right=node.value)
            _assign(evaluator, data, name, to_storable(evaluator.eval(ast.unparse(expr))))
        elif isinstance(node, ast.If):
            branch = node.body if evaluator.eval(ast.unparse(node.test)) else node.orelse
            _run_block(branch, evaluator, data)
