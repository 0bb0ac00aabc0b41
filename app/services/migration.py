"""Move running cases to another version of their process (Camunda's migration): generate a plan that maps
equal activities, validate a plan, and execute it on cases, each one case event (registry MIGRATION) that
replay re-runs on the version the case ran on before and after.

A migrated case keeps its task ids, claims, data and timers; its read rows (tasks, external tasks, jobs,
message subscriptions, open activities) follow it to the target's activity ids and names.
"""

from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.engine.activities import NONE
from app.engine.changes import Definition
from app.store.tables import (
    EventSubscription,
    ExternalTask,
    HistoryActivity,
    HistoryIncident,
    Incident,
    Job,
    ProcessInstance,
    Task,
)
from app.store.writes import Writes

from .case_commands import run_command
from .case_data import cases_in_scope
from .commands import Typed
from .definitions import cached_definition
from .inputs import refuse_repair_of
from .registry import MIGRATION, Issued, MigrationInputs
from .runtime import Runtime
from .typed import keep_typed

NOT_MIGRATED = frozenset({"startEvent", "endEvent", "sequenceFlow"})  # no token waits in them


@dataclass(frozen=True)
class MigrationPlan:
    """Which version to which, each source activity's target, and variables set on every migrated case."""

    source: str
    target: str
    instructions: tuple[tuple[str, str], ...]
    variables: dict = field(default_factory=dict)
    typed: Typed = Typed()


@dataclass(frozen=True)
class InstructionReport:
    instruction: tuple[str, str]
    failures: tuple[str, ...]


def _definitions(session: Session, plan_source: str, plan_target: str) -> tuple[Definition, Definition]:
    found = []
    for name, definition_id in (("sourceProcessDefinitionId", plan_source), ("targetProcessDefinitionId",
                                                                              plan_target)):
        try:
            found.append(cached_definition(session, definition_id))
        except NotFound as err:
            raise ValidationFailed(f"没有流程定义 {definition_id}", field=name) from err
    source, target = found
    if source.id.split(":")[0] != target.id.split(":")[0]:
        raise ValidationFailed("只能在同一流程（同一 key）的版本之间迁移", field="targetProcessDefinitionId")
    return source, target


def generate_plan(rt: Runtime, actor: Actor, source_id: str, target_id: str) -> list[tuple[str, str]]:
    """Map every activity of the source to the target's activity of the same id and kind (Camunda's generate)."""
    actor.require("case.migrate")
    with rt.reading() as uow:
        source, target = _definitions(uow.session, source_id, target_id)
    return [(a, a) for a, info in sorted(source.activities.items())
            if info.type not in NOT_MIGRATED and target.activities.get(a, NONE).type == info.type]


def _failures(source: Definition, target: Definition, pair: tuple[str, str], seen: set[str]) -> tuple[str, ...]:
    old, new = pair
    found = []
    if old not in source.activities:
        found.append(f"源流程没有活动 {old}")
    if new not in target.activities:
        found.append(f"目标流程没有活动 {new}")
    kinds = source.activities.get(old, NONE).type, target.activities.get(new, NONE).type
    if not found and kinds[0] != kinds[1]:
        found.append(f"活动类型不同：{old} 为 {kinds[0]}，{new} 为 {kinds[1]}")
    if not found and kinds[0] in NOT_MIGRATED:
        found.append(f"{kinds[0]} 没有可迁移的实例")
    if old in seen:
        found.append(f"活动 {old} 被映射了不止一次")
    seen.add(old)
    return tuple(found)


def _reports(source: Definition, target: Definition, plan: MigrationPlan) -> list[InstructionReport]:
    seen: set[str] = set()
    reports = [InstructionReport(pair, _failures(source, target, pair, seen)) for pair in plan.instructions]
    return [r for r in reports if r.failures]


def validate_plan(rt: Runtime, actor: Actor, plan: MigrationPlan) -> list[InstructionReport]:
    """The plan's instructions that cannot be carried out, each with why (Camunda's validate); [] when valid."""
    actor.require("case.migrate")
    with rt.reading() as uow:
        source, target = _definitions(uow.session, plan.source, plan.target)
    return _reports(source, target, plan)


def _follow(session: Session, instances: list[ProcessInstance], target: Definition, mapping: dict[str, str]) -> None:
    """Move the cases' read rows onto the target version, its activity ids and names: one statement per table and
    renamed activity for all the cases at once."""
    with Writes(session) as writes:
        for instance in instances:
            writes.set_case(ProcessInstance.__table__, instance.id, {"definition_id": target.id})
    for instance in instances:
        set_committed_value(instance, "definition_id", target.id)
    ids = [instance.id for instance in instances]
    renamed = {old: new for old, new in mapping.items() if old != new}
    open_history = HistoryActivity.end_time.is_(None)
    for table, only in ((Task, None), (ExternalTask, None), (Job, None), (Incident, None),
                        (HistoryIncident, HistoryIncident.ended.is_(None)), (HistoryActivity, open_history),
                        (EventSubscription, None)):
        mine = (table.process_instance_id.in_(ids), *(() if only is None else (only,)))
        if hasattr(table, "definition_id"):
            session.execute(update(table).where(*mine).values(definition_id=target.id))
        for old, new in renamed.items():
            values = {"activity_id": new}
            if table in (Task, HistoryActivity):
                values["name" if table is Task else "activity_name"] = target.activities[new].name or new
            session.execute(update(table).where(*mine, table.activity_id == old).values(**values))


def migrate_cases(rt: Runtime, actor: Actor, plan: MigrationPlan, instance_ids: list[str]) -> int:
    """Migrate each case named, all of the plan's source, in one transaction: all move or none; return how many."""
    actor.require("case.migrate")
    if not instance_ids:
        raise ValidationFailed("须给出 processInstanceIds", field="processInstanceIds")
    for name in plan.variables:
        try:
            refuse_repair_of({name: None})
        except ValidationFailed as err:
            raise ValidationFailed(err.message, field=f"migrationPlan.variables.{name}") from err
    with rt.unit_of_work() as uow:
        source, target = _definitions(uow.session, plan.source, plan.target)
        failing = _reports(source, target, plan)
        if failing:
            first = failing[0]
            raise ValidationFailed(f"迁移计划无效：{first.instruction[0]} → {first.instruction[1]}："
                                   + "；".join(first.failures), field="migrationPlan.instructions",
                                   errors=[{"field": "migrationPlan.instructions", "message": "；".join(r.failures)}
                                           for r in failing])
        instances = cases_in_scope(uow.session, actor, instance_ids)
        inputs = MigrationInputs(source.id, target.id, [list(p) for p in plan.instructions], plan.variables)
        mapping = dict(plan.instructions)
        moved = []
        for instance in instances:
            if instance.definition_id != source.id:
                raise ValidationFailed(f"案件 {instance.id} 不属于流程定义 {source.id}", field="processInstanceIds")
            run_command(rt, uow.session, instance, Issued(MIGRATION, inputs, actor, clock.now(), target.id))
            keep_typed(uow.session, instance, plan.typed)
            moved.append(instance)
        _follow(uow.session, moved, target, mapping)
        uow.commit()
        return len(instances)
