"""POST /message: start a case at a message start event, or deliver the message to the case waiting for it."""

from sqlalchemy import func, select

from app.domain.errors import ValidationFailed
from app.store.tables import ProcessDefinition, ProcessInstance

from .cases import correlate_message, start_case
from .commands import CorrelateMessage, StartCase
from .runtime import Runtime


def receive_message(rt: Runtime, cmd: CorrelateMessage) -> tuple[ProcessInstance, bool]:
    """Return the case the message started (True) or reached (False), as Camunda correlates it.

    A message that names a message start event of a deployed process (e.g. `proactive_discovery`)
    starts a new case of that process's latest version, in the township or village the message
    names; any other message goes to the one case waiting for it.
    """
    key = None if cmd.process_instance_id else message_start_key(rt, cmd.message)
    if key is None:
        return correlate_message(rt, cmd), False
    if not (cmd.variables.get("village") or cmd.variables.get("township")):
        raise ValidationFailed(f"消息 {cmd.message} 开始的案件须指明乡镇（township）或村（社区）（village）",
                               field="processVariables.township")
    return start_case(rt, StartCase(cmd.actor, key, cmd.business_key, cmd.variables, message=cmd.message)), True


def message_start_key(rt: Runtime, message: str) -> str | None:
    """Return the key of the process whose latest version starts at a message start event named `message`."""
    latest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
              .group_by(ProcessDefinition.key).subquery())
    query = select(ProcessDefinition).join(latest, (ProcessDefinition.key == latest.c.key)
                                           & (ProcessDefinition.version == latest.c.version))
    with rt.reading() as uow:
        for definition in uow.session.scalars(query):
            if any(a.get("type") == "startEvent" and a.get("message") == message
                   for a in (definition.activities or {}).values()):
                return definition.key
    return None
