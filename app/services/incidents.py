"""Open incidents for supervisors: failed timers and external tasks with no retries left, and one more try."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.tables import Incident, ProcessInstance
from app.store.tenancy import in_scope

from .external_tasks import set_retries
from .jobs import set_job_retries
from .runtime import Runtime

RETRY_TRIES = 1  # Camunda cockpit's "increment number of retries": one more try, a new incident if it fails again


@dataclass(frozen=True)
class OpenIncident:
    id: str
    kind: str  # failedJob or failedExternalTask
    case_id: str
    business_key: str | None
    process: str
    activity_id: str | None
    created: datetime
    message: str
    definition_id: str | None = None  # the version the case runs on, which names the step


def open_incidents(rt: Runtime, actor: Actor, limit: int = 200) -> list[OpenIncident]:
    """The incidents in my scope, oldest first, with their cases' business keys and processes."""
    actor.require("supervision.read")
    query = (select(Incident, ProcessInstance.business_key, ProcessInstance.definition_key)
             .join(ProcessInstance, ProcessInstance.id == Incident.process_instance_id)
             .where(in_scope(Incident, actor))
             .order_by(Incident.created, Incident.id).limit(limit))
    with rt.reading() as uow:
        return [OpenIncident(i.id, i.type, i.process_instance_id, key, process, i.activity_id, i.created, i.message,
                             i.definition_id) for i, key, process in uow.session.execute(query).tuples()]


def retry_incident(rt: Runtime, actor: Actor, incident_id: str) -> None:
    """Give the failed job or external task behind an incident one more try, as PUT …/retries does: resolved."""
    with rt.reading() as uow:
        incident = uow.session.get(Incident, incident_id)
        found = incident is not None and actor.scope.covers(incident.org_path)
        kind, job_id = (incident.type, incident.job_id) if found else (None, None)
    if kind == "failedJob" and job_id:
        set_job_retries(rt, actor, job_id, RETRY_TRIES)
    elif kind == "failedExternalTask":
        set_retries(rt, actor, [incident_id], RETRY_TRIES)
    else:
        raise NotFound(f"事件 {incident_id} 不存在或已处理", field="id")
