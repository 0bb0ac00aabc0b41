"""Where cases wait, counted per step of a process from the task, external-task and job rows (a heatmap)."""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.domain.orgs import tenant_of
from app.store.tables import ExternalTask, Job, ProcessDefinition, Task
from app.store.tenancy import in_scope

from .catalogue import ProcessSource, definition_source
from .definitions import cached_definition, latest_definition_or_none, visible_definitions
from .runtime import Runtime


@dataclass(frozen=True)
class Waiting:
    """The diagram a heatmap is drawn on — the version a start by key runs for the reader (their county's latest,
    else the shared latest) — and how many cases in scope wait at each step, per version they run on."""

    source: ProcessSource
    definition_id: str  # the diagram's version
    per_version: dict[tuple[str, str], int]  # (definition id, activity id) -> cases waiting there

    @property
    def counts(self) -> dict[str, int]:
        """Cases waiting per step, whatever their version (the diagram's badges: a step keeps its id)."""
        total: Counter[str] = Counter()
        for (_, activity_id), n in self.per_version.items():
            total[activity_id] += n
        return dict(total)

    @property
    def versions(self) -> list[str]:
        """The versions the counted cases run on, the diagram's first."""
        return sorted({d for d, _ in self.per_version} | {self.definition_id}, key=lambda d: d != self.definition_id)


def _diagram_of(session, actor: Actor, process: str) -> str:
    """The version a start by key runs for me; for the province, a key no shared version has is drawn on the
    highest county version it sees (the caption says whose)."""
    row = latest_definition_or_none(session, process, tenant_of(actor.org_path)) or session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == process, visible_definitions(actor))
        .order_by(ProcessDefinition.version.desc(), ProcessDefinition.tenant_id).limit(1)).first()
    if row is None:
        raise NotFound(f"没有已部署的流程 {process}", field="process")
    return row.id


def waiting_per_step(rt: Runtime, actor: Actor, process: str) -> Waiting:
    """Return the latest diagram of `process` for me and how many cases in scope wait at each step of each version.

    User tasks, external tasks and catch-event timers (公示) count; a deadline timer on a
    boundary event does not, since its case is already counted at the task it guards.
    """
    actor.require("supervision.read")
    with rt.reading() as uow:
        shown = _diagram_of(uow.session, actor, process)
    source = definition_source(rt, actor, shown)
    counts: Counter[tuple[str, str]] = Counter()
    with rt.reading() as uow:
        for table in (Task, ExternalTask, Job):
            query = select(table.definition_id, table.activity_id,
                           func.count(func.distinct(table.process_instance_id))).where(
                table.definition_key == process, in_scope(table, actor)
            ).group_by(table.definition_id, table.activity_id)
            for definition_id, activity_id, n in uow.session.execute(query):
                if table is not Job or cached_definition(uow.session, definition_id).activity(
                        activity_id).type != "boundaryEvent":
                    counts[(definition_id, activity_id)] += n
    return Waiting(source, shown, dict(counts))
