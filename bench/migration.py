"""Migrate 10,000 running 低保 cases from version 1 to version 2 of `dibao` and verify every one.

    python -m bench.migration     # MIGRATION_BENCH_CASES (default 10000); DATABASE_URL names the server

Version 2 renames 入户调查 (`home_visit` -> `home_survey`) and adds a step (`joint_check`, 联合核查)
between the end of the investigations and the household's classification. The cases are made in-process
through the service's handlers, as bench.audit_verify makes them (started, 受理 completed: waiting at
入户调查 ∥ 信息核对), in a fresh PostgreSQL database `assistance_bench_migration`. Only the migration is
timed: `POST /migration/execute`'s handler, MIGRATION_BENCH_BATCH cases per transaction, the plan generated
and completed with the renamed step; then every case is verified (hash chain, definitions, full replay
across the migration).
"""

import json
import os
import re
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.audit_verify import _make_cases
from bench.database import DEFAULT_URL, prepare
from bench.report import Row, table

CASES = int(os.environ.get("MIGRATION_BENCH_CASES", "10000"))
BATCH = int(os.environ.get("MIGRATION_BENCH_BATCH", "200"))
GOAL_PER_SECOND = 50  # 10,000 cases in under four minutes: a county's caseload moved in a short maintenance window
ROOT = Path(__file__).parent.parent
JOINT_CHECK = ('<bpmn:userTask id="joint_check" name="联合核查" camunda:candidateGroups="township_reviewer"/>'
               '<bpmn:sequenceFlow id="flow_joint_checked" sourceRef="joint_check" targetRef="{target}"/>')
AFTER_INVESTIGATIONS = re.compile(r'(<bpmn:sequenceFlow id="flow_to_township_review" sourceRef="investigation_join" '
                                  r'targetRef=")([^"]+)("/>)')


def _url() -> str:
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not base.startswith("postgresql"):
        base = DEFAULT_URL
    return make_url(base).set(database="assistance_bench_migration").render_as_string(hide_password=False)


def version_two() -> bytes:
    """dibao.bpmn with 入户调查 renamed and 联合核查 added after the investigations, before whatever follows them."""
    text = (ROOT / "workflows" / "dibao.bpmn").read_text(encoding="utf-8").replace('"home_visit"', '"home_survey"')
    found = AFTER_INVESTIGATIONS.search(text)
    assert found, "dibao.bpmn changed: update the bench's version 2"
    step = JOINT_CHECK.format(target=found.group(2))
    return (text[:found.start()] + found.group(1) + "joint_check" + found.group(3) + step + text[found.end():]
            ).encode("utf-8")


def _migrate(app) -> tuple[int, float]:
    from app.domain.actors import SYSTEM
    from app.services.deploy import deploy
    from app.services.migration import MigrationPlan, generate_plan, migrate_cases
    from app.services.users import active_actor
    from app.store.tables import ProcessDefinition, ProcessInstance

    rt = app.extensions["runtime"]
    with app.app_context():
        deploy(rt, SYSTEM, "dibao v2", {"dibao.bpmn": version_two()}, source="bench")
        with rt.reading() as uow:
            v1, v2 = uow.session.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == "dibao")
                                         .order_by(ProcessDefinition.version)).all()[-2:]
            ids = uow.session.scalars(select(ProcessInstance.id).where(ProcessInstance.definition_id == v1)
                                      .order_by(ProcessInstance.id)).all()
        supervisor, _ = active_actor(rt, "supervisor")
        pairs = generate_plan(rt, supervisor, v1, v2) + [("home_visit", "home_survey")]
        plan = MigrationPlan(v1, v2, tuple(pairs))
        began = time.monotonic()
        for first in range(0, len(ids), BATCH):
            migrate_cases(rt, supervisor, plan, list(ids[first:first + BATCH]))
        return len(ids), time.monotonic() - began


def _verify(app) -> tuple[int, int]:
    from app.domain.actors import SYSTEM
    from app.services.audit import verify_all

    with app.app_context():
        verdicts = list(verify_all(app.extensions["runtime"], SYSTEM, app.config["AUDIT_KEY"].encode()))
    return len(verdicts), sum(1 for v in verdicts if not v.ok)


def main() -> dict:
    """Make the cases, migrate and verify them, print and return the rates."""
    url = _url()
    app = prepare(url)
    _make_cases(url, CASES)
    migrated, seconds = _migrate(app)
    began = time.monotonic()
    verified, failed = _verify(app)
    verify_seconds = time.monotonic() - began
    app.extensions["db_engine"].dispose()
    result = {"cases": migrated, "seconds": round(seconds, 2), "cases_per_second": round(migrated / seconds, 1),
              "batch": BATCH, "verified": verified, "failed": failed, "verify_seconds": round(verify_seconds, 1)}
    print(table(rows(result)))
    print(json.dumps(result, ensure_ascii=False))
    return result


def rows(result: dict) -> list[Row]:
    """The figures beside their goals: every case moved, at the goal rate, every one still verifying."""
    return [Row("cases migrated v1 -> v2", f"{result['cases']:,}", f">= {CASES:,}", result["cases"] >= CASES),
            Row("migration rate (cases/s)", f"{result['cases_per_second']}", f">= {GOAL_PER_SECOND}",
                result["cases_per_second"] >= GOAL_PER_SECOND),
            Row("migrated cases failing verification", str(result["failed"]), "0", result["failed"] == 0
                and result["verified"] >= result["cases"])]


if __name__ == "__main__":
    main()
