"""The fingerprint of the definition a case runs on, recorded when it starts and checked on verification."""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.audit import definition_digest
from app.domain.errors import EngineFailure
from app.engine.activities import activities_from_json
from app.store.tables import FormDefinition, ProcessDefinition, Resource

from .definitions import deployed_forms, form_as_deployed

_digests: dict[str, str] = {}


def stored_digest(session: Session, definition: ProcessDefinition) -> str:
    """Hash the definition as stored now: its deployment's files, spec and activities; a form it uses whose stored
    schema (what its tasks are validated with) is not the file deployed is hashed in beside them."""
    resources = dict(session.execute(select(Resource.name, Resource.content)
                                     .where(Resource.deployment_id == definition.deployment_id)).all())
    altered = {f"form_definition {form_id}": json.dumps(schema, sort_keys=True).encode()
               for form_id, schema in altered_forms(session, definition).items()}
    return definition_digest({**resources, **altered}, definition.spec, definition.activities)


def altered_forms(session: Session, definition: ProcessDefinition) -> dict[str, dict | None]:
    """The forms the definition's activities are bound to whose stored schema is not the file deployed (None: the
    form is gone), by id."""
    bound = {info.form_id for info in activities_from_json(definition.activities).values() if info.form_id}
    rows = {form_id: session.get(FormDefinition, form_id) for form_id in sorted(bound)}
    files = deployed_forms(session, {definition.deployment_id, *(row.deployment_id for row in rows.values() if row)})
    return {form_id: row.schema if row else None for form_id, row in rows.items()
            if row is None or not form_as_deployed(session, row, definition.deployment_id, files)}


def digest_at_start(session: Session, definition: ProcessDefinition) -> str:
    """Return the digest for a new case, refused on an altered form; deployments are immutable, so each process
    computes it once."""
    if definition.id not in _digests:
        altered = altered_forms(session, definition)
        if altered:
            raise EngineFailure(f"流程定义 {definition.id} 所用的表单与部署的表单文件不符（表单被修改）："
                                f"{', '.join(altered)}，不能发起案件")
        _digests[definition.id] = stored_digest(session, definition)
    return _digests[definition.id]
