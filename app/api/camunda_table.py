"""The README's table of Camunda's REST operations and which the service serves, from the served routes
and Camunda's own document (docs/camunda/openapi.json): `flask camunda-table`."""

import json
import re
from collections import defaultdict
from pathlib import Path

from .openapi import served_operations

DOCUMENT = Path(__file__).parents[2] / "docs" / "camunda" / "openapi.json"
METHODS = ("get", "post", "put", "delete", "patch", "options", "head")


def _shape(path: str) -> str:
    return re.sub(r"{[^}]+}", "{}", path)


def camunda_operations() -> list[tuple[str, str]]:
    paths = json.loads(DOCUMENT.read_text())["paths"]
    return sorted((path, method) for path, ops in paths.items() for method in ops if method in METHODS)


def _group(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/".join(parts[:2]) if parts[0] == "history" and len(parts) > 1 else parts[0]


def markdown_table(app) -> str:
    """Per resource: Camunda's operations and the served ones; then every operation, served or not."""
    served = {(_shape(path), method) for path, method, _ in served_operations(app)}
    groups: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for path, method in camunda_operations():
        groups[_group(path)].append((path, method, (_shape(path), method) in served))
    total = sum(len(ops) for ops in groups.values())
    done = sum(ok for ops in groups.values() for *_, ok in ops)
    lines = [f"Served: **{done} of Camunda's {total} operations**, each honouring or refusing (400 naming it) "
             "every parameter and body field Camunda defines for it.", "",
             "| resource | served | of |", "|---|---|---|"]
    lines += [f"| `/{name}` | {sum(ok for *_, ok in ops)} | {len(ops)} |" for name, ops in sorted(groups.items())]
    lines += ["", "<details><summary>Every operation of Camunda's document</summary>", "",
              "| operation | served |", "|---|---|"]
    lines += [f"| {method.upper()} `{path}` | {'✓' if ok else ''} |"
              for ops in (groups[name] for name in sorted(groups)) for path, method, ok in ops]
    lines += ["", "</details>"]
    return "\n".join(lines)

