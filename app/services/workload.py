"""Where cases wait, counted per step of a process from the task, external-task and job rows (a heatmap)."""

from sqlalchemy import func, select

from app.domain.actors import Actor
from app.store.tables import ExternalTask, Job, Task
from app.store.tenancy import in_scope

from .catalogue import ProcessSource, process_source
from .runtime import Runtime


def waiting_per_step(rt: Runtime, actor: Actor, process: str) -> tuple[ProcessSource, dict[str, int]]:
    """Return the latest diagram of `process` and how many cases in scope wait at each of its steps.

    User tasks, external tasks and catch-event timers (公示) count; a deadline timer on a
    boundary event does not, since its case is already counted at the task it guards.
    """
    actor.require("supervision.read")
    source = process_source(rt, actor, process)
    counts: dict[str, int] = {}
    with rt.reading() as uow:
        for table in (Task, ExternalTask, Job):
            query = select(table.activity_id, func.count(func.distinct(table.process_instance_id))).where(
                table.definition_key == process, in_scope(table, actor)
            ).group_by(table.activity_id)
            for activity_id, n in uow.session.execute(query):
                if table is not Job or source.activities.get(activity_id, {}).get("type") != "boundaryEvent":
                    counts[activity_id] = counts.get(activity_id, 0) + n
    return source, counts
