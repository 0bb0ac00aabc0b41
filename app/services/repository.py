"""Deployments and process definitions as the engine API reads them, and the deletion of a deployment."""

from dataclasses import dataclass

from sqlalchemy import String, cast, delete, exists, select

from app.domain.actors import Actor
from app.domain.errors import Conflict, Forbidden, NotFound
from app.domain.orgs import tenant_of
from app.engine.activities import activities_from_json
from app.engine.binding import BINDING, CallTarget, UnboundCall
from app.store.broadcast import announce
from app.store.tables import ArchivedCase, Deployment, FormDefinition, ProcessDefinition, ProcessInstance, Resource

from .called_instances import bound_version
from .case_data import DEFINITIONS
from .definitions import county_latest, get_definition, latest_definition, may_see_tenant, visible_definition
from .runtime import Runtime


def _definition(session, actor: Actor, definition_id: str | None, key: str | None) -> ProcessDefinition:
    actor.require("definition.read")
    if not definition_id:
        return latest_definition(session, key, tenant_of(actor.org_path))
    return visible_definition(session, actor, definition_id)


def definition(rt: Runtime, actor: Actor, definition_id: str | None = None, key: str | None = None):
    """A definition by id, or the latest version of a key."""
    with rt.reading() as uow:
        return _definition(uow.session, actor, definition_id, key)


def tenant_definition(rt: Runtime, actor: Actor, key: str, tenant_id: str) -> ProcessDefinition:
    """The latest version of `key` deployed for the county `tenant_id` itself (Camunda's `…/key/{key}/tenant-id/
    {tenant-id}`: no fallback to the shared version); another county's is unknown to a county's user."""
    actor.require("definition.read")
    with rt.reading() as uow:
        return county_latest(uow.session, actor, key, tenant_id)


def definition_xml(rt: Runtime, actor: Actor, definition_id: str | None = None,
                   key: str | None = None) -> tuple[ProcessDefinition, str]:
    """A definition and the BPMN file it was deployed from."""
    with rt.reading() as uow:
        row = _definition(uow.session, actor, definition_id, key)
        content = uow.session.scalar(select(Resource.content).where(Resource.deployment_id == row.deployment_id,
                                                                    Resource.name == row.resource_name))
        return row, content.decode("utf-8")


def start_form(rt: Runtime, actor: Actor, definition_id: str | None = None, key: str | None = None) -> str | None:
    """The form of the definition's (none-)start event bound at deployment, as Camunda's form key."""
    with rt.reading() as uow:
        row = _definition(uow.session, actor, definition_id, key)
        activities = activities_from_json(get_definition(uow.session, row.id, with_spec=True).activities)
        starts = [a for a in activities.values() if a.type == "startEvent" and not a.message]
        form_id = next((a.form_id or a.form_ref for a in starts if a.form_id or a.form_ref), None)
        return None if form_id is None else f"camunda-forms:deployment:{form_id.split(':')[0]}.form"


@dataclass(frozen=True)
class CalledDefinition:
    definition: ProcessDefinition
    called_from: list[str]
    calling_id: str


def called_definitions(rt: Runtime, actor: Actor, definition_id: str) -> list[CalledDefinition]:
    """The processes a definition's call activities would call now, as Camunda resolves them statically: by their
    `calledElementBinding` — `latest` the latest version now, `version`/`versionTag` the one a literal names (an
    expression is not resolved), `deployment` the same deployment's — among the versions of the definition's county
    (else the shared ones). A call activity of a definition deployed before calls were bound when they start: the
    version bound at its deployment."""
    with rt.reading() as uow:
        row = _definition(uow.session, actor, definition_id, None)
        spec = get_definition(uow.session, row.id, with_spec=True).spec
        elements: dict[tuple[str, str, str | None], list[str]] = {}
        for task_spec in spec["spec"]["task_specs"].values():  # a call activity names the process it calls
            if task_spec.get("spec") and task_spec.get("bpmn_id"):
                binding = (task_spec.get("extensions") or {}).get(BINDING) or {"binding": "bundle"}
                value = binding.get("version") or binding.get("versionTag")
                kind = binding["binding"]
                if value is not None and "{" in value:
                    continue  # an expression: resolved only when the call starts
                elements.setdefault((task_spec["spec"], kind, value), []).append(task_spec["bpmn_id"])
        found: dict[str, CalledDefinition] = {}
        for (key, kind, value), from_ids in sorted(elements.items(), key=lambda item: (item[0][0], item[0][1])):
            bound = _called_now(uow.session, row, key, kind, value)
            if bound is None:
                continue
            if bound.id in found:
                from_ids = from_ids + found[bound.id].called_from
            found[bound.id] = CalledDefinition(bound, sorted(set(from_ids)), row.id)
        return sorted(found.values(), key=lambda called: called.definition.id)


def _called_now(session, row: ProcessDefinition, key: str, kind: str, value: str | None) -> ProcessDefinition | None:
    if kind in ("latest", "version", "versionTag"):
        target = CallTarget(key, kind, version=int(value) if kind == "version" and value else None,
                            version_tag=value if kind == "versionTag" else None)
        try:
            return session.get(ProcessDefinition, bound_version(session, target, row.tenant_id)[0])
        except UnboundCall:
            return None  # no version answers now (or an embedded subprocess's name)
    deployed_at = select(Deployment.deployed_at).where(Deployment.id == row.deployment_id).scalar_subquery()
    return session.scalars(  # the same deployment's version, else (deployed before) the latest then
        select(ProcessDefinition).join(Deployment, Deployment.id == ProcessDefinition.deployment_id)
        .where(ProcessDefinition.key == key, Deployment.deployed_at <= deployed_at)
        .order_by((ProcessDefinition.deployment_id == row.deployment_id).desc(),
                  ProcessDefinition.version.desc()).limit(1)).first()


def deployment(rt: Runtime, actor: Actor, deployment_id: str) -> Deployment:
    actor.require("definition.read")
    with rt.reading() as uow:
        row = uow.session.get(Deployment, deployment_id)
    if row is None or not may_see_tenant(actor, row.tenant_id):
        raise NotFound(f"部署 {deployment_id} 不存在", field="id")
    return row


def resources(rt: Runtime, actor: Actor, deployment_id: str, resource_id: str | None = None) -> list[Resource]:
    """A deployment's files (without their content), or the one named by `resource_id`."""
    deployment(rt, actor, deployment_id)
    with rt.reading() as uow:
        query = select(Resource.id, Resource.name, Resource.deployment_id).where(
            Resource.deployment_id == deployment_id)
        if resource_id is not None:
            query = query.where(Resource.id == resource_id)
        rows = list(uow.session.execute(query.order_by(Resource.name)))
    if resource_id is not None and not rows:
        raise NotFound(f"部署 {deployment_id} 中没有资源 {resource_id}", field="resourceId")
    return rows


def resource_content(rt: Runtime, actor: Actor, deployment_id: str, resource_id: str) -> tuple[str, bytes]:
    row = resources(rt, actor, deployment_id, resource_id)[0]
    with rt.reading() as uow:
        return row.name, uow.session.scalar(select(Resource.content).where(Resource.id == resource_id))


def delete_deployment(rt: Runtime, actor: Actor, deployment_id: str) -> None:
    """Delete a deployment no case ever ran on and no other deployment relies on.

    Camunda's `cascade` would delete the history of the deployment's cases; here a case's record is
    kept for good (its events are append-only), so a deployment any case ran on is never deleted — nor once the
    case is archived (`archived_case`): its archive is verified against the definition.
    """
    actor.require("deployment.create")
    with rt.unit_of_work() as uow:
        session = uow.session
        row = session.get(Deployment, deployment_id)
        if row is None or not may_see_tenant(actor, row.tenant_id):
            raise NotFound(f"部署 {deployment_id} 不存在", field="id")
        if tenant_of(actor.org_path) not in (None, row.tenant_id):
            raise Forbidden(f"部署 {deployment_id} 是省级共享部署，县级设计员不能删除", field="id")
        mine = session.execute(select(ProcessDefinition.id, ProcessDefinition.key).where(
            ProcessDefinition.deployment_id == deployment_id)).all()
        forms = list(session.scalars(select(FormDefinition.id).where(FormDefinition.deployment_id == deployment_id)))
        ids = [d.id for d in mine]
        if session.scalar(select(exists().where(ProcessInstance.definition_id.in_(ids)))):
            raise Conflict(f"部署 {deployment_id} 的流程已有案件（办理中或已办结），案件记录永久保存，不能删除")
        if session.scalar(select(exists().where(ArchivedCase.definition_id.in_(ids)))):  # its archive verifies on it
            raise Conflict(f"部署 {deployment_id} 的流程有已归档的案件，核验档案要用到它，不能删除")
        _refuse_if_bound(session, deployment_id, {d.key for d in mine}, [f'"{d.key}"' for d in mine] + forms)
        session.execute(delete(ProcessDefinition).where(ProcessDefinition.deployment_id == deployment_id))
        session.execute(delete(FormDefinition).where(FormDefinition.deployment_id == deployment_id))
        session.execute(delete(Resource).where(Resource.deployment_id == deployment_id))
        session.execute(delete(Deployment).where(Deployment.id == deployment_id))
        for key in {d.key for d in mine}:  # the call graph the nodes keep for the marks names these versions
            announce(session, DEFINITIONS, key)
        uow.commit()


def _refuse_if_bound(session, deployment_id: str, keys: set[str], names: list[str]) -> None:
    """Another process (not a version of these) names one of these processes (a call) or pins one of these forms."""
    others = select(ProcessDefinition.id).where(ProcessDefinition.deployment_id != deployment_id,
                                                ProcessDefinition.key.not_in(keys))
    for name in names:
        text = f"%{name}%"
        hit = session.scalar(others.where(cast(ProcessDefinition.spec, String).like(text)
                                          | cast(ProcessDefinition.activities, String).like(text)).limit(1))
        if hit is not None:
            raise Conflict(f"流程定义 {hit} 引用了本部署的 {name.strip(chr(34))}，不能删除部署 {deployment_id}")
