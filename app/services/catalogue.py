"""What is deployed: processes and forms with their versions, their stored files, and the diff of two versions."""

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.domain.orgs import tenant_of
from app.engine.model_diff import ElementDiff, canonical_lines, element_diff, element_names, process_ids
from app.store.tables import Deployment, FormDefinition, ProcessDefinition, ProcessInstance, Resource
from app.store.tenancy import in_scope

from .definitions import get_definition, latest_definition, latest_form, visible_definitions
from .runtime import Runtime


@dataclass(frozen=True)
class Version:
    id: str
    key: str
    version: int
    name: str
    deployed_at: datetime
    deployed_by: str | None


@dataclass(frozen=True)
class ProcessSource:
    key: str
    version: int
    name: str
    resource_name: str
    xml: str
    companions: dict[str, bytes]  # the decision tables deployed with it, redeployed with an edit
    activities: dict[str, dict]  # activity id -> its type, name and Camunda attributes


def process_versions(rt: Runtime, actor: Actor, key: str | None = None) -> list[Version]:
    """Return every deployed process version (of one key, if given), by key then newest first."""
    actor.require("definition.read")
    query = select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.name,
                   Deployment.deployed_at, Deployment.deployed_by).join(Deployment)
    query = query.where(visible_definitions(actor))
    if key:
        query = query.where(ProcessDefinition.key == key)
    with rt.reading() as uow:
        rows = uow.session.execute(query.order_by(ProcessDefinition.key, ProcessDefinition.version.desc()))
        return [Version(*row) for row in rows]


def form_versions(rt: Runtime, actor: Actor) -> list[Version]:
    """Return every deployed form version, by key then newest first."""
    actor.require("definition.read")
    query = select(FormDefinition.id, FormDefinition.key, FormDefinition.version, FormDefinition.key,
                   Deployment.deployed_at, Deployment.deployed_by).join(Deployment)
    with rt.reading() as uow:
        rows = uow.session.execute(query.order_by(FormDefinition.key, FormDefinition.version.desc()))
        return [Version(*row) for row in rows]


def process_source(rt: Runtime, actor: Actor, key: str, version: int | None = None) -> ProcessSource:
    """Return the BPMN file a process version was deployed from (the latest unless `version`)."""
    actor.require("definition.read")
    with rt.reading() as uow:
        session = uow.session
        row = latest_definition(session, key, tenant_of(actor.org_path)) if version is None else session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version,
                                            visible_definitions(actor))).first()
        if row is None:
            raise NotFound(f"流程 {key} 没有第 {version} 版", field="version")
        return _source(session, row)


def definition_source(rt: Runtime, actor: Actor, definition_id: str) -> ProcessSource:
    """Return the BPMN file of one deployed definition (the version a case runs on)."""
    actor.require("definition.read")
    with rt.reading() as uow:
        return _source(uow.session, get_definition(uow.session, definition_id))


def _source(session, row: ProcessDefinition) -> ProcessSource:
    files = {r.name: r.content for r in session.scalars(
        select(Resource).where(Resource.deployment_id == row.deployment_id))}
    companions = {name: content for name, content in files.items() if name.endswith(".dmn")}
    return ProcessSource(row.key, row.version, row.name, row.resource_name,
                         files[row.resource_name].decode("utf-8"), companions, dict(row.activities or {}))


def form_schema(rt: Runtime, actor: Actor, key: str) -> dict:
    """Return the latest deployed schema of a form."""
    actor.require("definition.read")
    with rt.reading() as uow:
        row = latest_form(uow.session, key)
        if row is None:
            raise NotFound(f"没有已部署的表单 {key}", field="key")
        return row.schema


@dataclass(frozen=True)
class Change:
    activity_id: str
    name: str
    attribute: str  # "added", "removed", or the attribute that changed (name, candidateGroups, dueDate…)
    old: object = None
    new: object = None


@dataclass(frozen=True)
class VersionDiff:
    changes: list[Change]  # per activity: what a designer set in the properties panel
    lines: list[str]  # the unified diff of the two BPMN files, formatting made the same
    elements: ElementDiff  # the elements added, removed, changed or moved: the diagrams colour them
    old_xml: str
    new_xml: str


def version_diff(rt: Runtime, actor: Actor, key: str, old: int, new: int) -> VersionDiff:
    """Compare two versions of a process: activities added, removed or changed, and the BPMN files' text."""
    before = process_source(rt, actor, key, old)
    after = process_source(rt, actor, key, new)
    lines = list(difflib.unified_diff(canonical_lines(before.xml), canonical_lines(after.xml),
                                      f"{key} 第{old}版", f"{key} 第{new}版", lineterm="", n=3))
    return VersionDiff(_activity_changes(before.activities, after.activities), lines,
                       element_diff(before.xml, after.xml), before.xml, after.xml)


def _activity_changes(before: dict[str, dict], after: dict[str, dict]) -> list[Change]:
    changes = []
    for activity_id in sorted(before.keys() | after.keys()):
        old, new = before.get(activity_id), after.get(activity_id)
        name = (new or old).get("name") or activity_id
        if old is None or new is None:
            changes.append(Change(activity_id, name, "added" if old is None else "removed"))
            continue
        changes.extend(Change(activity_id, name, attribute, old.get(attribute), new.get(attribute))
                       for attribute in sorted(old.keys() | new.keys())
                       if old.get(attribute) != new.get(attribute) and attribute != "formId")
    return changes


@dataclass(frozen=True)
class DeployPreview:
    """What deploying an edited diagram changes, said before it is deployed."""

    key: str | None  # the process it versions (None: the file defines none)
    current: int | None  # the version now in force (None: a new process)
    running: int  # cases of the process running in the designer's scope: they stay on the version they started on
    elements: ElementDiff
    names: dict[str, str]  # element id -> name, of either version
    lines: int  # lines of the text diff, formatting made the same


def deploy_preview(rt: Runtime, actor: Actor, xml: str) -> DeployPreview:
    """Say what deploying `xml` changes against the version in force, and how many running cases stay on theirs."""
    actor.require("deployment.create")
    keys = process_ids(xml)
    key = keys[0] if keys else None
    with rt.reading() as uow:
        row = latest_definition(uow.session, key, tenant_of(actor.org_path)) if key else None
        base = _source(uow.session, row).xml if row is not None else None
        running = uow.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.definition_key == key, ProcessInstance.state == "ACTIVE",
            in_scope(ProcessInstance, actor))) if key else 0
    if base is None:
        return DeployPreview(key, None, 0, ElementDiff(added=sorted(element_names(xml))), element_names(xml), 0)
    diff = sum(1 for line in difflib.unified_diff(canonical_lines(base), canonical_lines(xml), lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return DeployPreview(key, row.version if row else None, running or 0, element_diff(base, xml),
                         {**element_names(base), **element_names(xml)}, diff)
