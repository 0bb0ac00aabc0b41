"""Incidents opened and resolved, each kept in the case's incident history (Camunda's historic incident) as its
runtime row comes and goes."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .tables import HistoryIncident, Incident

_COPIED = ("id", "process_instance_id", "definition_id", "activity_id", "failed_activity_id", "job_id", "type",
           "message", "org_path", "created")  # and the county, from the org path as the incident's own


def open_incident(session: Session, incident: Incident, history_configuration: str | None = None) -> None:
    """Add the runtime incident and its history row (naming, for a failed job, its failure's job-log entry)."""
    session.add(incident)
    session.add(HistoryIncident(**{name: getattr(incident, name) for name in _COPIED},
                                history_configuration=history_configuration))


def resolve_incidents(session: Session, condition: Any, moment: datetime) -> None:
    """Remove the runtime incidents meeting `condition`, their history rows ended (resolved) at `moment`."""
    ids = list(session.scalars(select(Incident.id).where(condition)))
    if not ids:
        return
    session.execute(update(HistoryIncident).where(HistoryIncident.id.in_(ids), HistoryIncident.ended.is_(None))
                    .values(ended=moment))
    session.execute(delete(Incident).where(Incident.id.in_(ids)))
