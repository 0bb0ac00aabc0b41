"""What is deployed: processes and forms with their versions, their stored files, and the diff of two versions.

Process versions are numbered per county (Camunda's tenant): 示范县's 第 1 版 and the province's shared 第 1 版
are two versions. A page names one by its number and, where the number alone is ambiguous, its `tenant`: the
county's code, or `shared` for the province's shared version.
"""

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from app.domain.actors import Actor
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.orgs import tenant_of
from app.engine.model_diff import ElementDiff, canonical_lines, element_diff, element_names, process_ids
from app.store.tables import Deployment, FormDefinition, ProcessDefinition, ProcessInstance, Resource
from app.store.tenancy import in_scope

from .definitions import (
    get_definition,
    latest_definition_or_none,
    latest_form,
    next_version,
    same_tenant,
    visible_definitions,
)
from .runtime import Runtime
from .settings import county_names

SHARED = "shared"  # the `tenant` naming the province's shared versions (a county's are named by its code)
PROVINCE = "省级共享"
OWN = "本县"


@dataclass(frozen=True)
class Version:
    id: str
    key: str
    version: int
    name: str
    deployed_at: datetime
    deployed_by: str | None
    tenant_id: str | None = None  # a process version's county; None: the province's, shared (forms, templates)
    owner: str = PROVINCE  # whose it is, as a page says it: 省级共享, 本县 (the reader's county) or the county's name

    @property
    def tenant(self) -> str:
        """The `tenant` a page's link names this version by."""
        return SHARED if self.tenant_id is None else self.tenant_id


@dataclass(frozen=True)
class ProcessSource:
    key: str
    version: int
    name: str
    resource_name: str
    xml: str
    companions: dict[str, bytes]  # the decision tables deployed with it, redeployed with an edit
    activities: dict[str, dict]  # activity id -> its type, name and Camunda attributes
    tenant_id: str | None = None
    owner: str = PROVINCE

    @property
    def tenant(self) -> str:
        return SHARED if self.tenant_id is None else self.tenant_id


def _owners(rt: Runtime, actor: Actor, names: dict[str, str] | None = None) -> Callable[[str | None], str]:
    """Say whose a version is: 省级共享, 本县 for the actor's county, else the county's name (`names`, by code)."""
    own, names = tenant_of(actor.org_path), county_names(rt, actor) if names is None else names
    return lambda tenant_id: PROVINCE if tenant_id is None else OWN if tenant_id == own else names.get(
        tenant_id, tenant_id)


def _first_in_force(actor: Actor):
    """The order a key's versions are listed in: the actor's county's, the shared ones, then other counties' (by
    code), each newest first — so a key's first version is the one its new cases take in the actor's county (for
    the province: the shared one)."""
    rank = case((same_tenant(ProcessDefinition.tenant_id, tenant_of(actor.org_path)), 0),
                (ProcessDefinition.tenant_id.is_(None), 1), else_=2)
    return rank, ProcessDefinition.tenant_id, ProcessDefinition.version.desc()


def process_versions(rt: Runtime, actor: Actor, key: str | None = None) -> list[Version]:
    """Return every process version the actor sees (of one key, if given), by key, then in `_first_in_force`'s
    order."""
    actor.require("definition.read")
    owner = _owners(rt, actor)
    query = select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.name,
                   Deployment.deployed_at, Deployment.deployed_by, ProcessDefinition.tenant_id).join(Deployment)
    query = query.where(visible_definitions(actor))
    if key:
        query = query.where(ProcessDefinition.key == key)
    with rt.reading() as uow:
        rows = uow.session.execute(query.order_by(ProcessDefinition.key, *_first_in_force(actor)))
        return [Version(*row, owner=owner(row.tenant_id)) for row in rows]


def form_versions(rt: Runtime, actor: Actor) -> list[Version]:
    """Return every deployed form version, by key then newest first."""
    actor.require("definition.read")
    query = select(FormDefinition.id, FormDefinition.key, FormDefinition.version, FormDefinition.key,
                   Deployment.deployed_at, Deployment.deployed_by).join(Deployment)
    with rt.reading() as uow:
        rows = uow.session.execute(query.order_by(FormDefinition.key, FormDefinition.version.desc()))
        return [Version(*row) for row in rows]


def process_source(rt: Runtime, actor: Actor, key: str, version: int | None = None, tenant: str | None = None,
                   fields: tuple[str, str] = ("version", "tenant")) -> ProcessSource:
    """Return the BPMN file a process version was deployed from: version `version` of `tenant` (a county's code,
    or SHARED); without `tenant`, the only version of that number the actor sees (several: refused, naming
    `fields[1]`); without `version`, the latest (of `tenant`, else the first in `_first_in_force`'s order)."""
    actor.require("definition.read")
    if version is not None and not 0 < version < 2**31:  # no version has such a number (nor may a query bind it)
        raise NotFound(f"流程 {key} 没有第 {version} 版", field=fields[0])
    owner = _owners(rt, actor)
    with rt.reading() as uow:
        query = select(ProcessDefinition).where(ProcessDefinition.key == key, visible_definitions(actor))
        if tenant is not None:
            query = query.where(same_tenant(ProcessDefinition.tenant_id, None if tenant == SHARED else tenant))
        if tenant is not None and uow.session.scalar(query.limit(1)) is None:
            whose = PROVINCE if tenant == SHARED else f"县 {tenant}"
            raise NotFound(f"流程 {key} 没有{whose}的版本", field=fields[1])
        if version is not None:
            query = query.where(ProcessDefinition.version == version)
        rows = uow.session.scalars(query.order_by(*_first_in_force(actor))).all()
        if not rows:
            raise NotFound(f"流程 {key} 没有第 {version} 版" if version else f"没有已部署的流程 {key}",
                           field=fields[0] if version else "key")
        if version is not None and len(rows) > 1:
            owners = "、".join(owner(row.tenant_id) for row in rows)
            raise ValidationFailed(f"流程 {key} 的第 {version} 版有 {len(rows)} 个（{owners}），"
                                   "请在版本列表中选择要哪一个", field=fields[1])
        return _source(uow.session, rows[0], owner(rows[0].tenant_id))


def definition_source(rt: Runtime, actor: Actor, definition_id: str) -> ProcessSource:
    """Return the BPMN file of one deployed definition (the version a case runs on)."""
    actor.require("definition.read")
    owner = _owners(rt, actor)
    with rt.reading() as uow:
        row = get_definition(uow.session, definition_id)
        return _source(uow.session, row, owner(row.tenant_id))


def _source(session, row: ProcessDefinition, owner: str) -> ProcessSource:
    files = {r.name: r.content for r in session.scalars(
        select(Resource).where(Resource.deployment_id == row.deployment_id))}
    companions = {name: content for name, content in files.items() if name.endswith(".dmn")}
    return ProcessSource(row.key, row.version, row.name, row.resource_name,
                         files[row.resource_name].decode("utf-8"), companions, dict(row.activities or {}),
                         row.tenant_id, owner)


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
    before: ProcessSource
    after: ProcessSource


VersionRef = tuple[int, str | None]  # a version's number and, where the number is ambiguous, its `tenant`


def version_diff(rt: Runtime, actor: Actor, key: str, old: VersionRef, new: VersionRef) -> VersionDiff:
    """Compare two versions of a process: activities added, removed or changed, and the BPMN files' text."""
    before = process_source(rt, actor, key, *old, fields=("old", "old"))
    after = process_source(rt, actor, key, *new, fields=("new", "new"))
    lines = list(difflib.unified_diff(canonical_lines(before.xml), canonical_lines(after.xml),
                                      f"{key} {before.owner}第{before.version}版",
                                      f"{key} {after.owner}第{after.version}版", lineterm="", n=3))
    return VersionDiff(_activity_changes(before.activities, after.activities), lines,
                       element_diff(before.xml, after.xml), before, after)


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


def deploy_targets(rt: Runtime, actor: Actor) -> dict[str, str]:
    """For whom the actor may deploy a process, `tenant` -> name: a county's designer for the county only, the
    province's for the province (shared) or any county."""
    actor.require("deployment.create")
    names = county_names(rt, actor)
    own = tenant_of(actor.org_path)
    return {own: names.get(own, own)} if own is not None else {SHARED: PROVINCE, **names}


def deploy_target(rt: Runtime, actor: Actor, tenant: str | None) -> str | None:
    """The county a deployment from the pages is for (None: shared): `tenant` if the actor may deploy for it, else
    refused naming `deploy_for`; not given, the actor's own county (the province's designer: shared)."""
    own = tenant_of(actor.org_path)
    if tenant is None:
        return own
    if tenant not in deploy_targets(rt, actor):
        if own is not None:
            raise Forbidden("县级设计员只能为本县部署流程；省级共享的版本和其他县的版本由省级设计员部署",
                            field="deploy_for")
        raise ValidationFailed(f"没有代码为 {tenant} 的县", field="deploy_for")
    return None if tenant == SHARED else tenant


@dataclass(frozen=True)
class DeployPreview:
    """What deploying an edited diagram changes, said before it is deployed."""

    key: str | None  # the process it versions (None: the file defines none)
    tenant_id: str | None  # for whom it is deployed (None: the province's shared version)
    owner: str  # whose the new version is: 省级共享 or the county's name
    version: int  # the number it gets (counted per county)
    base: Version | None  # the version it replaces for new cases there, compared with (None: a new process)
    running: int  # cases running on `base` (in the county it is for): they stay on it
    keeping: list[str]  # the counties whose own versions of the key stay in force (a shared deployment)
    elements: ElementDiff
    names: dict[str, str]  # element id -> name, of either version
    lines: int  # lines of the text diff, formatting made the same

    @property
    def replaces_own(self) -> bool:
        """Whether the base is the target's own version: only then does an unchanged diagram make no version."""
        return self.base is not None and self.base.tenant_id == self.tenant_id


def deploy_preview(rt: Runtime, actor: Actor, xml: str, tenant_id: str | None) -> DeployPreview:
    """Say what deploying `xml` for `tenant_id` (a county, None: shared) changes against the version in force there,
    which number it gets, and how many running cases stay on the version they started on."""
    actor.require("deployment.create")
    keys = process_ids(xml)
    key = keys[0] if keys else None
    names = county_names(rt, actor)
    owner = _owners(rt, actor, names)
    whose = PROVINCE if tenant_id is None else names.get(tenant_id, tenant_id)
    with rt.reading() as uow:
        session = uow.session
        row = latest_definition_or_none(session, key, tenant_id) if key else None
        base = _source(session, row, owner(row.tenant_id)) if row is not None else None
        version = next_version(session, ProcessDefinition, key, tenant_id) if key else 1
        running = session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.definition_id == row.id, ProcessInstance.state == "ACTIVE",
            *([] if tenant_id is None else [ProcessInstance.tenant_id == tenant_id]),
            in_scope(ProcessInstance, actor))) if row is not None else 0
        keeping = [names.get(code, code) for code in session.scalars(
            select(ProcessDefinition.tenant_id).distinct().where(
                ProcessDefinition.key == key, ProcessDefinition.tenant_id.is_not(None), visible_definitions(actor))
            .order_by(ProcessDefinition.tenant_id))] if key and tenant_id is None else []
        current = None if row is None else Version(
            row.id, row.key, row.version, row.name, *session.execute(select(
                Deployment.deployed_at, Deployment.deployed_by).where(Deployment.id == row.deployment_id)).one(),
            row.tenant_id, owner(row.tenant_id))
    if base is None or current is None:
        return DeployPreview(key, tenant_id, whose, version, None, 0, keeping,
                             ElementDiff(added=sorted(element_names(xml))), element_names(xml), 0)
    diff = sum(1 for line in difflib.unified_diff(canonical_lines(base.xml), canonical_lines(xml), lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return DeployPreview(key, tenant_id, whose, version, current, running or 0, keeping, element_diff(base.xml, xml),
                         {**element_names(base.xml), **element_names(xml)}, diff)
