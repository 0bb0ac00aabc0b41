"""Look up deployed definitions and forms (latest version unless pinned)."""

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session, undefer_group

from app.domain.actors import Actor
from app.domain.errors import EngineFailure, NotFound
from app.domain.orgs import tenant_of, version_words
from app.engine.changes import Definition
from app.store.listing import visible_tenant
from app.store.tables import FormDefinition, OrgUnit, ProcessDefinition, Resource

from .forms import FORM_FILES, file_schema


def latest_definition(session: Session, key: str, tenant_id: str | None = None) -> ProcessDefinition:
    """The latest version of `key` deployed for the county `tenant_id`, else the latest shared one."""
    row = latest_definition_or_none(session, key, tenant_id)
    if row is None:
        where = f"县 {tenant_id} 或省级共享" if tenant_id else "省级共享"
        raise NotFound(f"没有已部署的流程定义 key={key}（{where}）", field="key")
    return row


def latest_definition_or_none(session: Session, key: str, tenant_id: str | None) -> ProcessDefinition | None:
    """The county's own latest version of `key` first; a county without one uses the shared (no tenant) one."""
    for tenant in dict.fromkeys((tenant_id, None)):
        row = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                              same_tenant(ProcessDefinition.tenant_id, tenant))
                              .order_by(ProcessDefinition.version.desc()).limit(1)).first()
        if row is not None:
            return row
    return None


def version_in_words(session: Session, row: ProcessDefinition) -> str:
    """Which version of its process a definition is, and whose, as staff read it: 示范县第 2 版, 省级共享第 1 版."""
    county = session.scalar(select(OrgUnit.name).where(OrgUnit.code == row.tenant_id)) if row.tenant_id else None
    return version_words(county or row.tenant_id, row.version)


def county_latest(session: Session, actor: Actor, key: str, tenant_id: str) -> ProcessDefinition:
    """The latest version of `key` deployed for the county `tenant_id` itself (no fallback to the shared one);
    another county's is unknown to a county's user."""
    row = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                          ProcessDefinition.tenant_id == tenant_id)
                          .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if row is None or not may_see_tenant(actor, row.tenant_id):
        raise NotFound(f"县 {tenant_id} 没有已部署的流程定义 key={key}", field="tenant-id")
    return row


def may_see_tenant(actor: Actor, tenant_id: str | None) -> bool:
    """Shared definitions and deployments are everyone's; a county's are its own users' and the province's."""
    own = tenant_of(actor.org_path)
    return tenant_id is None or own is None or own == tenant_id


def visible_definition(session: Session, actor: Actor, definition_id: str, field: str = "id") -> ProcessDefinition:
    """A definition by id that the actor may see; another county's is as unknown as one never deployed."""
    row = session.get(ProcessDefinition, definition_id)
    if row is None or not may_see_tenant(actor, row.tenant_id):
        raise NotFound(f"没有流程定义 {definition_id}", field=field)
    return row


def visible_definitions(actor: Actor):
    """The condition `may_see_tenant` on the definitions, for queries."""
    return visible_tenant(actor, ProcessDefinition.tenant_id)


def same_tenant(column, tenant_id: str | None):
    return column.is_(None) if tenant_id is None else column == tenant_id


def get_definition(session: Session, definition_id: str, with_spec: bool = False) -> ProcessDefinition:
    """Return a definition row; `with_spec` reads its parsed process in the same query (else on first use)."""
    row = session.get(ProcessDefinition, definition_id, options=[undefer_group("engine")] if with_spec else None)
    if row is None:
        raise NotFound(f"没有流程定义 {definition_id}", field="id")
    return row


_definitions: dict[str, Definition] = {}
_forms: dict[str, dict] = {}


def engine_definition(row: ProcessDefinition) -> Definition:
    return Definition.stored(row.id, row.spec, row.activities)


def cached_definition(session: Session, definition_id: str) -> Definition:
    """Return a definition by id; definitions never change once deployed, so each process keeps them."""
    if definition_id not in _definitions:
        _definitions[definition_id] = engine_definition(get_definition(session, definition_id, with_spec=True))
    return _definitions[definition_id]


def cached_form(session: Session, form_id: str) -> dict | None:
    """Return a form schema by its id (immutable once deployed); refuse one that is not its deployed file."""
    if form_id not in _forms:
        row = session.get(FormDefinition, form_id)
        if row is None:
            return None
        if not form_as_deployed(session, row):
            raise EngineFailure(f"表单 {form_id} 与部署的表单文件不符（表单被修改），不能使用")
        _forms[form_id] = row.schema
    return _forms[form_id]


def form_as_deployed(session: Session, row: FormDefinition, deployment_id: str | None = None,
                     files: dict[tuple[str, str], list[dict]] | None = None) -> bool:
    """Whether a stored form schema is the file it was deployed from, and any file of the same form in deployment
    `deployment_id`: tasks are validated with the row, a definition's digest covers its deployment's files. `files`:
    `deployed_forms` of both deployments, where the caller checks several forms."""
    deployments = {row.deployment_id, deployment_id or row.deployment_id}
    files = deployed_forms(session, deployments) if files is None else files
    found = [schema for deployment in deployments for schema in files.get((deployment, row.key), [])]
    return bool(files.get((row.deployment_id, row.key))) and all(schema == row.schema for schema in found)


def deployed_forms(session: Session, deployment_ids: set[str]) -> dict[tuple[str, str], list[dict]]:
    """The form files of the deployments, each read once, by deployment and the form id they deploy."""
    files: dict[tuple[str, str], list[dict]] = {}
    for deployment, name, content in session.execute(select(Resource.deployment_id, Resource.name, Resource.content)
                                                      .where(Resource.deployment_id.in_(deployment_ids),
                                                             or_(*(Resource.name.endswith(s) for s in FORM_FILES)))):
        schema = _schema_or_none(name, content)
        if schema is not None:
            files.setdefault((deployment, schema.get("id")), []).append(schema)
    return files


def _schema_or_none(name: str, content: bytes) -> dict | None:
    try:
        schema = file_schema(name, content)
    except (ValueError, UnicodeDecodeError):
        return None
    return schema if isinstance(schema, dict) else None


def latest_form(session: Session, key: str) -> FormDefinition | None:
    return session.scalars(select(FormDefinition).where(FormDefinition.key == key)
                           .order_by(FormDefinition.version.desc()).limit(1)).first()


def next_version(session: Session, table, key: str, tenant_id: str | None = None) -> int:
    """The next version of `key` (process definitions count their versions per county, as Camunda per tenant).

    Two deployments of one key at once, on two processes, are given consecutive versions, as Camunda serialises
    them: on PostgreSQL the first holds a transaction-level advisory lock of the key until it commits, and the
    second reads the latest version once it has the lock (each statement sees what committed before it)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"{table.__tablename__}\t{key}\t{tenant_id or ''}"})
    query = select(func.max(table.version)).where(table.key == key)
    if hasattr(table, "tenant_id"):
        query = query.where(same_tenant(table.tenant_id, tenant_id))
    return (session.scalar(query) or 0) + 1


def message_starts(session: Session, county: str | None) -> dict[str, dict[str, str]]:
    """The message start events a start by key in `county` reaches: for each key, the county's latest version if it
    deployed the key, else the latest shared one — key -> {message name: start event id}; keys of the province's
    own (`county` None) are the shared ones. Another county's definitions are never looked at."""
    tenants = [ProcessDefinition.tenant_id.is_(None)] + ([ProcessDefinition.tenant_id == county] if county else [])
    latest = (select(ProcessDefinition.key, ProcessDefinition.tenant_id,
                     func.max(ProcessDefinition.version).label("version"))
              .where(or_(*tenants)).group_by(ProcessDefinition.key, ProcessDefinition.tenant_id).subquery())
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.tenant_id, ProcessDefinition.activities)
        .join(latest, (ProcessDefinition.key == latest.c.key) & (ProcessDefinition.version == latest.c.version)
              & same_tenant_as(ProcessDefinition.tenant_id, latest.c.tenant_id))
        .order_by(ProcessDefinition.key, ProcessDefinition.tenant_id.is_(None)))  # the county's own row first
    found: dict[str, dict[str, str]] = {}
    for key, _tenant, activities in rows:
        if key not in found:
            found[key] = {info["message"]: activity_id for activity_id, info in (activities or {}).items()
                          if info.get("type") == "startEvent" and info.get("message")}
    return found


def same_tenant_as(column, other):
    """Two tenant columns name the same county, or are both shared (NULL)."""
    return or_(column == other, column.is_(None) & other.is_(None))
