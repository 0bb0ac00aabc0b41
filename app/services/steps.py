"""Run one engine command on a stored case and record it: the shared body of every case command."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import Conflict
from app.engine.changes import Changes
from app.engine.determinism import seed_for
from app.engine.runner import CaseRun
from app.store.tables import ProcessInstance
from app.store.writes import Writes

from .definitions import cached_definition
from .findings import record_findings
from .projection import changed_variables, new_state, project, record_event
from .runtime import Runtime


def step_case(rt: Runtime, session: Session, instance: ProcessInstance, actor: Actor, moment: datetime,
              command: str, target: str | None, inputs: dict, act: Callable[[CaseRun], Changes],
              completed_by: str | None = None) -> Changes:
    """Load the case, let `act` drive the engine, store the result and append the event."""
    if instance.state != "ACTIVE":
        raise Conflict(f"案件 {instance.id} 已结束")
    before = dict(instance.variables or {})
    run = CaseRun(cached_definition(session, instance.definition_id), rt.calendar_for(instance.org_path), moment,
                  seed_for(instance.id, instance.version + 1, moment)).load(instance.workflow)
    changes = act(run)
    with Writes(session) as writes:
        record_event(writes, instance, actor, command, moment, target, inputs,
                     changed_variables(before, changes.variables), new_state(instance, changes, moment))
        project(writes, instance, changes, moment, completed_by)
    record_findings(session, instance, before, actor, moment, target)
    return changes
