"""Run one engine command on a stored case and record it: the shared body of every case command."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.domain.errors import Conflict
from app.engine.changes import Changes
from app.engine.determinism import seed_for
from app.store.tables import ProcessInstance
from app.store.writes import Writes

from .called_instances import CallBinder, root_of, with_bindings
from .case_data import errors_quote_no_personal_values
from .definitions import cached_definition
from .findings import record_findings
from .household_file import record_people
from .notices import insert_notices, notices_to_issue
from .payroll.facts import project_benefit
from .payroll.hooks import after_payroll_step
from .projection import changed_variables, new_state, project, record_event
from .registry import HELD_WHILE_SUSPENDED, Issued, JobInputs
from .runtime import Runtime


def run_command(rt: Runtime, session: Session, instance: ProcessInstance, issued: Issued,
                also: Callable[[Writes], None] | None = None) -> Changes | None:
    """Run `issued` on the case, store the result and append its event; None when the engine was not run. A command
    that does not run the engine may write rows of its own with its event (`also`): in the same statement, written
    only if the case is still at the version it read."""
    command = issued.command
    instance = root_of(session, instance, command.name, command.label)
    if instance.suspended and command.name in HELD_WHILE_SUSPENDED:
        raise Conflict(f"案件 {instance.id} 已挂起：激活后才能办理")
    if command.apply is None:  # the engine state does not change, but the command is part of the case's history
        with Writes(session) as writes:
            record_event(writes, instance, issued)
            if also is not None:
                also(writes)
        return None
    if instance.state != "ACTIVE":
        raise Conflict(f"案件 {instance.id} 已结束")
    before = dict(instance.variables or {})
    definition = cached_definition(session, instance.definition_id)
    seed = seed_for(instance.id, instance.version + 1, issued.moment)
    given = getattr(issued.inputs, "variables", None)
    binder = CallBinder(session, instance.tenant_id)
    with errors_quote_no_personal_values(session, definition.id, before, given if isinstance(given, dict) else {}):
        changes = command.run(definition, rt.calendar_for(instance.org_path, session), seed, instance.workflow,
                              issued.inputs, lambda other: cached_definition(session, other), binder)
    issued = with_bindings(issued, binder)
    notices = notices_to_issue(session, instance, changes, issued.moment, instance.version + 2)
    with Writes(session) as writes:
        record_event(writes, instance, issued, changed_variables(before, changes.variables),
                     new_state(instance, changes, issued.moment), [notice.issued(issued.actor) for notice in notices])
        project(writes, instance, changes, issued.moment,
                issued.actor.username if command.completes == "user" else None,
                issued.inputs.job_id if command.fires_timer and isinstance(issued.inputs, JobInputs) else None)
        project_benefit(writes, instance, before, changes, issued.moment)
        insert_notices(writes, instance, notices)
        record_people(writes, instance, before)
    record_findings(session, instance, before, issued.actor, issued.moment, issued.target)
    after_payroll_step(session, instance, changes, issued.actor, issued.moment)
    return changes

