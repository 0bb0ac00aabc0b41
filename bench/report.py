"""The printed table and bench/results.json: every figure next to its target."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    figure: str
    value: str
    target: str
    ok: bool | None  # None: reported without a target

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "-"}[self.ok]


def table(rows: list[Row]) -> str:
    widths = [max(len(getattr(r, name)) for r in rows + [Row("figure", "value", "target", None)])
              for name in ("figure", "value", "target")]
    lines = [f"{'figure':<{widths[0]}} | {'value':>{widths[1]}} | {'target':<{widths[2]}} | result"]
    lines.append("-" * len(lines[0]))
    lines += [f"{r.figure:<{widths[0]}} | {r.value:>{widths[1]}} | {r.target:<{widths[2]}} | {r.verdict}"
              for r in rows]
    return "\n".join(lines)


def write(path: Path, rows: list[Row], raw: dict) -> None:
    payload = {"rows": [{**asdict(r), "result": r.verdict} for r in rows], "raw": raw}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
