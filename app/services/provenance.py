"""The fingerprint of the definition a case runs on, recorded when it starts and checked on verification."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.audit import definition_digest
from app.store.tables import ProcessDefinition, Resource

_digests: dict[str, str] = {}


def stored_digest(session: Session, definition: ProcessDefinition) -> str:
    """Hash the definition as stored now: its deployment's files, spec and activities."""
    resources = dict(session.execute(select(Resource.name, Resource.content)
                                     .where(Resource.deployment_id == definition.deployment_id)).all())
    return definition_digest(resources, definition.spec, definition.activities)


def digest_at_start(session: Session, definition: ProcessDefinition) -> str:
    """Return the digest for a new case; deployments are immutable, so each process computes it once."""
    if definition.id not in _digests:
        _digests[definition.id] = stored_digest(session, definition)
    return _digests[definition.id]
