"""POST /message: start a case at a message start event, or deliver the message to the cases waiting for it."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import REPORTED_MESSAGES
from app.domain.errors import ValidationFailed
from app.domain.orgs import tenant_of
from app.engine.runner import CaseRun
from app.store.tables import EventSubscription, ProcessInstance
from app.store.tenancy import in_scope

from .called_instances import CallBinder
from .case_commands import run_command
from .case_data import MESSAGE_RESULT, open_case
from .cases import case_org, refuse_undeclared, start_case
from .commands import CorrelateMessage, StartCase
from .definitions import cached_definition, message_starts
from .inputs import refuse_reserved
from .registry import MESSAGE, Issued, MessageInputs
from .runtime import Runtime
from .typed import keep_typed


@dataclass(frozen=True)
class Correlated:
    """A case the message reached (or started), and its variables as the sender may see them if asked."""

    instance: ProcessInstance
    started: bool
    variables: dict | None = None


def receive_message(rt: Runtime, cmd: CorrelateMessage, with_variables: bool = False) -> list[Correlated]:
    """Return the cases the message started or reached, as Camunda correlates it.

    A message that names a message start event of a deployed process (e.g. `proactive_discovery`)
    and is aimed at no case (no instance id, no correlation keys) starts a new case of that
    process's latest version, in the township or village the message names; any other message
    goes to the case waiting for it — exactly one, or with `all` every one.
    """
    aimed = cmd.process_instance_id or cmd.correlation_keys or cmd.local_correlation_keys
    key = None if aimed else message_start_key(rt, cmd.message, _case_county(rt, cmd))
    if key is None:
        return correlate_message(rt, cmd, with_variables)
    if not (cmd.variables.get("village") or cmd.variables.get("township")):
        raise ValidationFailed(f"消息 {cmd.message} 开始的案件须指明乡镇（township）或村（社区）（village）",
                               field="processVariables.township")
    instance = start_case(rt, StartCase(cmd.actor, key, cmd.business_key, cmd.variables, message=cmd.message,
                                        typed=cmd.typed))
    shown = None
    if with_variables:  # the case as the sender may see it; a role that does not read cases sees what it sent
        with rt.unit_of_work() as uow:
            shown = dict(open_case(uow.session, cmd.actor, instance, MESSAGE_RESULT, cmd.variables).variables)
            uow.commit()
    return [Correlated(instance, True, shown)]


def _holds(values: dict, keys: dict) -> bool:
    return all(name in values and values[name] == value for name, value in keys.items())


def _waiting(rt: Runtime, session: Session, cmd: CorrelateMessage) -> list[tuple[EventSubscription, ProcessInstance]]:
    """The subscriptions to the message, in the actor's scope, whose case (and scope) hold the correlation keys."""
    query = (select(EventSubscription, ProcessInstance)
             .join(ProcessInstance, ProcessInstance.id == EventSubscription.process_instance_id)
             .where(EventSubscription.event_name == cmd.message, EventSubscription.event_type == "message",
                    in_scope(EventSubscription, cmd.actor))
             .order_by(EventSubscription.created, EventSubscription.task_id))
    if cmd.business_key is not None:
        query = query.where(EventSubscription.business_key == cmd.business_key)
    if cmd.process_instance_id is not None:
        query = query.where(EventSubscription.process_instance_id == cmd.process_instance_id)
    found = [(sub, case) for sub, case in session.execute(query)
             if not case.suspended and _holds(case.variables or {}, cmd.correlation_keys)]
    if cmd.local_correlation_keys:
        found = [(sub, case) for sub, case in found if _holds(_scope_data(rt, session, case, sub.task_id),
                                                              cmd.local_correlation_keys)]
    return found


def _scope_data(rt: Runtime, session: Session, instance: ProcessInstance, task_id: str) -> dict:
    run = CaseRun(cached_definition(session, instance.definition_id), rt.calendar_for(instance.org_path, session),
                  clock.now(), binder=CallBinder(session, instance.tenant_id))
    return run.load(instance.workflow).scope_data(task_id)


def correlate_message(rt: Runtime, cmd: CorrelateMessage, with_variables: bool = False) -> list[Correlated]:
    """Deliver a message to the one case waiting for it, or with `all` to every one, in one unit of work."""
    cmd.actor.require(REPORTED_MESSAGES.get(cmd.message, "message.correlate"))
    moment = clock.now()
    with rt.unit_of_work() as uow:
        found = _waiting(rt, uow.session, cmd)
        if not found or (len(found) > 1 and not cmd.all):
            count = "没有" if not found else f"有 {len(found)} 个"
            raise ValidationFailed(f"{count}案件在等待消息 {cmd.message}（业务键 {cmd.business_key}）",
                                   field="messageName")
        results = []
        for sub, instance in found:
            definition = cached_definition(uow.session, instance.definition_id)
            refuse_reserved(definition, cmd.variables, "processVariables")
            refuse_undeclared(definition, sub.activity_id, cmd.message, cmd.variables)
            run_command(rt, uow.session, instance, Issued(MESSAGE, MessageInputs(cmd.message, sub.task_id,
                                                                                 cmd.variables),
                                                          cmd.actor, moment, cmd.message))
            keep_typed(uow.session, instance, cmd.typed)
            shown = dict(open_case(uow.session, cmd.actor, instance, MESSAGE_RESULT, cmd.variables).variables) \
                if with_variables else None
            results.append(Correlated(instance, False, shown))
        uow.commit()
        return results


def _case_county(rt: Runtime, cmd: CorrelateMessage) -> str | None:
    """The county a case the message starts would belong to: the unit its variables name (as `start_case` reads
    them), else the sender's; a unit the sender may not name is refused by `start_case`, not here."""
    with rt.reading() as uow:
        try:
            return tenant_of(case_org(uow.session, cmd.actor, cmd.variables.get("village")
                                      or cmd.variables.get("township") or cmd.variables.get("county")))
        except ValidationFailed:
            return tenant_of(cmd.actor.org_path)


def message_start_key(rt: Runtime, message: str, county: str | None) -> str | None:
    """Return the key whose version a start by key in `county` uses (the county's own, else the shared one) starts
    at a message start event named `message`; None when no such key (then the message goes to waiting cases).
    Deployment refuses a second key of one message name visible to a county; two found (deployed before that
    rule) are refused here rather than one picked."""
    with rt.reading() as uow:
        keys = sorted(key for key, messages in message_starts(uow.session, county).items() if message in messages)
    if len(keys) > 1:
        raise ValidationFailed(f"消息 {message} 是流程 {'、'.join(keys)} 的开始消息，不能确定发起哪一个",
                               field="messageName")
    return keys[0] if keys else None
