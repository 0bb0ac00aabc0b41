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
from app.domain.errors import ValidationFailed
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
from .definitions import cached_definition, visible_definition
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


def _definitions(session: Session, actor: Actor, plan_source: str, plan_target: str) -> tuple[Definition, Definition,
                                                                                         str | None]:
    """The plan's source and target as the engine runs them, and the target's county: each one the actor may see
    (another county's is unknown, as reading it answers), of one key, and not of two counties (Camunda migrates
    between a county's and the shared versions, never between two counties')."""
    source, target = (visible_definition(session, actor, definition_id, field) for field, definition_id in (
        ("sourceProcessDefinitionId", plan_source), ("targetProcessDefinitionId", plan_target)))
    if source.key != target.key:
        raise ValidationFailed("只能在同一流程（同一 key）的版本之间迁移", field="targetProcessDefinitionId")
    if None not in (source.tenant_id, target.tenant_id) and source.tenant_id != target.tenant_id:
        raise ValidationFailed(f"不能在不同县的流程定义之间迁移（{source.tenant_id} ≠ {target.tenant_id}）",
                               field="targetProcessDefinitionId")
    return cached_definition(session, source.id), cached_definition(session, target.id), target.tenant_id


def generate_plan(rt: Runtime, actor: Actor, source_id: str, target_id: str) -> list[tuple[str, str]]:
    """Map every activity of the source to the target's activity of the same id and kind (Camunda's generate)."""
    actor.require("case.migrate")
    with rt.reading() as uow:
        source, target, _county = _definitions(uow.session, actor, source_id, target_id)
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
        source, target, _county = _definitions(uow.session, actor, plan.source, plan.target)
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


def _refuse_other(instance: ProcessInstance, source_id: str, county: str | None) -> None:
    """Refuse a case not of the plan's source, or of another county than the target's (Camunda: a case moves only
    to a version of its own tenant or a shared one)."""
    if instance.definition_id != source_id:
        raise ValidationFailed(f"案件 {instance.id} 不属于流程定义 {source_id}", field="processInstanceIds")
    if county not in (None, instance.tenant_id):
        raise ValidationFailed(f"案件 {instance.id} 属于县 {instance.tenant_id}，不能迁移到县 {county} 的流程定义",
                               field="processInstanceIds")


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
        source, target, county = _definitions(uow.session, actor, plan.source, plan.target)
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
            _refuse_other(instance, source.id, county)
            run_command(rt, uow.session, instance, Issued(MIGRATION, inputs, actor, clock.now(), target.id))
            keep_typed(uow.session, instance, plan.typed)
            moved.append(instance)
        _follow(uow.session, moved, target, mapping)
        uow.commit()
        return len(instances)
