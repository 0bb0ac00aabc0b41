"""Look up deployed definitions and forms (latest version unless pinned)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer_group

from app.domain.errors import NotFound
from app.engine.changes import Definition
from app.store.tables import FormDefinition, ProcessDefinition


def latest_definition(session: Session, key: str) -> ProcessDefinition:
    row = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                          .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"没有已部署的流程定义 key={key}", field="key")
    return row


def get_definition(session: Session, definition_id: str, with_spec: bool = False) -> ProcessDefinition:
    """Return a definition row; `with_spec` reads its parsed process in the same query (else on first use)."""
    row = session.get(ProcessDefinition, definition_id, options=[undefer_group("engine")] if with_spec else None)
    if row is None:
        raise NotFound(f"没有流程定义 {definition_id}", field="id")
    return row


_definitions: dict[str, Definition] = {}
_forms: dict[str, dict] = {}


def engine_definition(row: ProcessDefinition) -> Definition:
    return Definition(row.id, row.spec, row.activities)


def cached_definition(session: Session, definition_id: str) -> Definition:
    """Return a definition by id; definitions never change once deployed, so each process keeps them."""
    if definition_id not in _definitions:
        _definitions[definition_id] = engine_definition(get_definition(session, definition_id, with_spec=True))
    return _definitions[definition_id]


def cached_form(session: Session, form_id: str) -> dict | None:
    """Return a form schema by its id (immutable once deployed)."""
    if form_id not in _forms:
        row = session.get(FormDefinition, form_id)
        if row is None:
            return None
        _forms[form_id] = row.schema
    return _forms[form_id]


def latest_form(session: Session, key: str) -> FormDefinition | None:
    return session.scalars(select(FormDefinition).where(FormDefinition.key == key)
                           .order_by(FormDefinition.version.desc()).limit(1)).first()


def next_version(session: Session, table, key: str) -> int:
    return (session.scalar(select(func.max(table.version)).where(table.key == key)) or 0) + 1
