"""Deploy BPMN, DMN and form files as one versioned deployment; refuse a bad file whole."""

import json
import re
from dataclasses import dataclass, field
from uuid import uuid4

from sqlalchemy import select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import DeploymentRefused, Forbidden, ValidationFailed
from app.domain.orgs import tenant_of
from app.domain.retention import time_to_live_days
from app.engine.activities import ActivityInfo, activities_from_json, activities_to_json
from app.engine.calls import CallBundle, StoredProcess
from app.engine.decisions import parse_decisions
from app.engine.parser import NS, ParsedProcess, parse_bpmn_files, read_xml
from app.store.broadcast import announce
from app.store.tables import Deployment, FormDefinition, NoticeTemplate, OrgUnit, ProcessDefinition, Resource

from .case_data import DEFINITIONS
from .definitions import latest_definition_or_none, latest_form, message_starts, next_version, same_tenant
from .form_checks import display_problem, field_problem
from .forms import FORM_FILES, FORM_TYPES, all_components, check_marks, file_schema, form_fields, is_client_form
from .notice_templates import TEMPLATE_SUFFIX, check_template, kind_of
from .notice_versions import add_templates, pin_templates
from .runtime import Runtime

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class DeployResult:
    deployment: Deployment | None
    definitions: list[ProcessDefinition] = field(default_factory=list)
    forms: list[FormDefinition] = field(default_factory=list)
    templates: list[NoticeTemplate] = field(default_factory=list)  # notice templates (notices/<kind>.notice)


def deploy(rt: Runtime, actor: Actor, name: str, files: dict[str, bytes], source: str | None = None,
           changed_only: bool = False, tenant_id: str | None = None) -> DeployResult:
    """Parse every file, then store those that changed (all of them unless `changed_only`); `tenant_id`, a
    county's code, makes the deployment that county's (its processes start its cases), else it is shared."""
    actor.require("deployment.create")
    bpmn, dmn, forms, notices = _split(files)
    _check_tenant_deployment(actor, tenant_id, dmn, forms, notices)
    schemas = {fname: _parse_form(fname, content) for fname, content in forms.items()}
    templates = {kind_of(fname): check_template(fname, content) for fname, content in notices.items()}
    for fname, content in dmn.items():  # checked even when no process of this deployment uses them
        parse_decisions(read_xml(content, fname), fname)
    moment = clock.now()
    with rt.unit_of_work() as uow:
        session = uow.session
        _check_tenant_exists(session, tenant_id)
        processes = parse_bpmn_files(bpmn, _with_deployed_decisions(session, dmn),
                                     _deployed_process(session, tenant_id)) if bpmn else []
        for process in processes:
            _check_storable(process)
        _refuse_shared_message_starts(session, processes, tenant_id)
        deployment = Deployment(id=str(uuid4()), name=name, source=source, deployed_at=moment,
                                deployed_by=actor.username, tenant_id=tenant_id)
        result = DeployResult(deployment)
        form_ids = _add_forms(session, result, schemas.values(), changed_only)
        template_ids = add_templates(session, deployment.id, templates, changed_only, result.templates)
        form_ids.update({fname: form_ids[schema["id"]] for fname, schema in schemas.items()})
        deployed = {process.key: pin_templates(session, process, _pin_forms(session, process, form_ids), template_ids)
                    for process in processes}
        processes = [process.pinned(deployed[process.key], deployed) for process in processes]  # callers too
        for process in processes:
            if changed_only and _same_process(session, process, bpmn[process.resource], tenant_id):
                continue
            version = next_version(session, ProcessDefinition, process.key, tenant_id)
            result.definitions.append(ProcessDefinition(
                id=f"{process.key}:{version}:{deployment.id}", key=process.key, version=version, tenant_id=tenant_id,
                name=process.name, deployment_id=deployment.id, resource_name=process.resource,
                spec=process.spec, activities=activities_to_json(process.activities),
                history_time_to_live=_time_to_live(bpmn[process.resource], process),
                version_tag=_version_tag(bpmn[process.resource], process)))
        if not (result.definitions or result.forms or result.templates or _new_decisions(session, dmn, changed_only)):
            return DeployResult(None)
        session.add(deployment)
        session.flush()
        session.add_all(Resource(id=str(uuid4()), deployment_id=deployment.id, name=fname, content=content)
                        for fname, content in files.items())
        session.add_all(result.definitions + result.forms + result.templates)
        for definition in result.definitions:  # the marks of the cases that call it change (case_data.case_marks)
            announce(session, DEFINITIONS, definition.key)
        uow.commit()
        return result


def _check_tenant_deployment(actor: Actor, tenant_id: str | None, dmn: dict, forms: dict, notices: dict) -> None:
    """A county's designer deploys for that county only, a province designer for any; a county's deployment
    holds processes only: decisions, forms and notice templates are the province's, shared by every county."""
    own = tenant_of(actor.org_path)
    if own is not None and own != tenant_id and not actor.trusted:
        raise Forbidden(f"用户 {actor.username} 是县级设计员，只能为本县部署（tenant-id={own}）；"
                        f"{'省级共享部署' if tenant_id is None else '为 ' + tenant_id + ' 部署'}须由省级设计员进行",
                        field="tenant-id")
    if tenant_id is None:
        return
    shared = next(iter({**dmn, **forms, **notices}), None)
    if shared is not None:
        raise DeploymentRefused("县级部署（tenant-id）只能包含 .bpmn 流程：决策表、表单与通知模板由省级共享部署",
                                file=shared)


def _refuse_shared_message_starts(session, processes: list[ParsedProcess], tenant_id: str | None) -> None:
    """Refuse a message start event whose message name another key already starts among what one county sees (its
    own latest versions and the shared ones its own do not replace): `POST /message` could not tell which process
    to start. Camunda 7 refuses a second message start subscription of one name within a tenant ("there already
    is a message event subscription for the message with name …"); here a county also sees the shared processes,
    so a shared deployment is checked against every county's view, a county's against its own."""
    starting = {p.key: {a.message: activity_id for activity_id, a in p.activities.items()
                        if a.type == "startEvent" and a.message} for p in processes}
    if not any(starting.values()):
        return
    counties = [tenant_id] if tenant_id is not None else [None, *session.scalars(
        select(ProcessDefinition.tenant_id).where(ProcessDefinition.tenant_id.is_not(None)).distinct())]
    for county in counties:
        seen = message_starts(session, county)
        own = set() if county is None else set(session.scalars(select(ProcessDefinition.key).where(
            ProcessDefinition.tenant_id == county).distinct()))
        shown = [p for p in processes if tenant_id is not None or p.key not in own]  # a county's own one wins
        seen.update({p.key: starting[p.key] for p in shown})
        for process in shown:
            for message, activity_id in starting[process.key].items():
                others = sorted(key for key, messages in seen.items() if key != process.key and message in messages)
                if others:
                    where = f"县 {county} 可见的" if county else "省级共享的"
                    raise DeploymentRefused(
                        f"消息 {message} 已是流程 {others[0]} 的开始消息，流程 {process.key} 不能再以它开始："
                        f"{where}可见的两个流程以同名消息开始，POST /message 无法确定发起哪一个"
                        f"（Camunda 7 同样拒绝同名的第二个消息开始订阅）", file=process.resource, element=activity_id)


def _check_tenant_exists(session, tenant_id: str | None) -> None:
    if tenant_id is not None and session.scalar(select(OrgUnit.id).where(
            OrgUnit.code == tenant_id, OrgUnit.level == "county")) is None:
        raise ValidationFailed(f"tenant-id: 没有代码为 {tenant_id} 的县", field="tenant-id")


def _deployed_process(session, tenant_id: str | None):
    """Return a resolver of called processes: the latest deployed version of a key (the county's own, else the
    shared one), bound at this deployment."""
    def resolve(key: str) -> StoredProcess | None:
        row = latest_definition_or_none(session, key, tenant_id)
        if row is None:
            return None
        return StoredProcess(row.id, row.spec["spec"], row.spec["subprocess_specs"],
                             activities_from_json(row.activities), CallBundle.from_json(row.spec))
    return resolve


def _with_deployed_decisions(session, dmn: dict[str, bytes]) -> dict[str, bytes]:
    """Add the latest deployed DMN files defining decisions this deployment lacks: a BPMN deployed alone
    still finds its decision tables, as Camunda resolves a decisionRef by key."""
    rows = session.execute(select(Resource.name, Resource.content).join(Deployment)
                           .where(Resource.name.like("%.dmn")).order_by(Deployment.deployed_at)).all()
    latest = {name: content for name, content in rows if name not in dmn}
    own = {d for name, content in dmn.items() for d in _decision_ids(content, name)}
    return {**{n: c for n, c in latest.items() if not own & _decision_ids(c, n)}, **dmn}


def _new_decisions(session, dmn: dict[str, bytes], changed_only: bool) -> bool:
    """Whether decision files are deployed for themselves (a DMN-only deployment, as Camunda stores one)."""
    if not changed_only:
        return bool(dmn)
    stored = dict(session.execute(select(Resource.name, Resource.content).join(Deployment)
                                  .where(Resource.name.in_(list(dmn))).order_by(Deployment.deployed_at)).all())
    return any(stored.get(name) != content for name, content in dmn.items())


def _decision_ids(content: bytes, fname: str) -> set[str]:
    return {el.get("id") for el in read_xml(content, fname).iter() if isinstance(el.tag, str)
            and el.tag.endswith("}decision")}


def _split(files: dict[str, bytes]):
    bpmn, dmn, forms, notices = {}, {}, {}, {}
    for fname, content in files.items():
        if len(content) > MAX_FILE_BYTES:
            raise DeploymentRefused(f"文件超过 {MAX_FILE_BYTES // 1024} KB 上限", file=fname)
        if fname.endswith((".bpmn", ".bpmn20.xml")):
            bpmn[fname] = content
        elif fname.endswith(".dmn"):
            dmn[fname] = content
        elif fname.endswith(FORM_FILES):
            forms[fname] = content
        elif fname.endswith(TEMPLATE_SUFFIX):
            notices[fname] = content
        else:
            raise DeploymentRefused("只接受 .bpmn、.dmn、.form 与 .notice 文件", file=fname)
    if not files:
        raise DeploymentRefused("部署中没有文件")
    return bpmn, dmn, forms, notices


def _parse_form(fname: str, content: bytes) -> dict:
    try:
        schema = file_schema(fname, content)
    except (ValueError, UnicodeDecodeError) as err:
        raise DeploymentRefused(f"表单不是有效的 JSON：{err}", file=fname) from err
    if not isinstance(schema, dict) or not schema.get("id") or not isinstance(schema.get("components"), list):
        raise DeploymentRefused("表单须为 Camunda Forms JSON（含 id 与 components）", file=fname)
    for component in all_components(schema):
        if component.get("type") not in FORM_TYPES:
            name = component.get("key") or component.get("id") or component.get("type")
            raise DeploymentRefused(f"表单组件 {component.get('type')}（{name}）暂不支持：服务的页面与校验只处理 "
                                    f"{', '.join(sorted(FORM_TYPES))}", file=fname, element=name)
        shown = display_problem(component)
        if shown:
            name = component.get("key") or component.get("id") or component.get("type")
            raise DeploymentRefused(f"表单组件 {component.get('type')}（{name}）：{shown}", file=fname, element=name)
    keys = [f["key"] for f in form_fields(schema)]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise DeploymentRefused(f"表单字段 key 重复：{', '.join(sorted(duplicates))}", file=fname)
    for component in form_fields(schema):
        problem = field_problem(component)
        if problem:
            raise DeploymentRefused(f"字段 {component['key']}：{problem}", file=fname, element=component["key"])
    check_marks(schema, fname)
    return schema


def _add_forms(session, result: DeployResult, schemas, changed_only: bool) -> dict[str, str]:
    """Version the deployment's forms; return form key -> the form id tasks will use."""
    form_ids = {}
    for schema in schemas:
        current = latest_form(session, schema["id"])
        if changed_only and current is not None and current.schema == schema:
            form_ids[schema["id"]] = current.id
            continue
        version = next_version(session, FormDefinition, schema["id"])
        form = FormDefinition(id=f"{schema['id']}:{version}:{result.deployment.id}", key=schema["id"],
                              version=version, deployment_id=result.deployment.id, schema=schema)
        result.forms.append(form)
        form_ids[schema["id"]] = form.id
    return form_ids


_CAMUNDA_FORM_KEY = re.compile(r"camunda-forms:(?:deployment|app):(?:.*/)?([^/]+\.form)")


def _pin_forms(session, process: ParsedProcess, form_ids: dict[str, str]) -> dict[str, ActivityInfo]:
    """Bind each form reference to the form version current at deployment, so a case's rules stay fixed."""
    pinned = dict(process.activities)
    for activity_id, info in process.activities.items():
        ref = info.form_reference
        if not ref or (not info.form_ref and is_client_form(ref)):
            continue  # an embedded form is the client's: its key is kept as written
        found = _CAMUNDA_FORM_KEY.fullmatch(ref)
        if found:  # camunda-forms:deployment:x.form (or :app:) names the form file x.form
            ref = found.group(1) if found.group(1) in form_ids else found.group(1).removesuffix(".form")
        form_id = form_ids.get(ref) or getattr(latest_form(session, ref), "id", None)
        if form_id is None:
            raise DeploymentRefused(f"引用的表单 {ref} 未部署", file=process.resource, element=activity_id)
        pinned[activity_id] = info.with_form(form_id)
    return pinned


def _same_process(session, process, content: bytes, tenant_id: str | None) -> bool:
    current = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == process.key, same_tenant(ProcessDefinition.tenant_id, tenant_id))
        .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if current is None:
        return False
    stored = session.scalar(select(Resource.content).where(Resource.deployment_id == current.deployment_id,
                                                           Resource.name == current.resource_name))
    same_spec = current.spec == json.loads(json.dumps(process.spec))  # a changed decision table (.dmn) counts
    return stored == content and current.activities == activities_to_json(process.activities) and same_spec


def _time_to_live(content: bytes, process) -> int | None:
    """The process's camunda:historyTimeToLive in days (None: the county's setting applies)."""
    for element in read_xml(content, process.resource).iter(f"{{{NS['bpmn']}}}process"):
        if element.get("id") == process.key:
            return time_to_live_days(element.get(f"{{{NS['camunda']}}}historyTimeToLive"), process.key,
                                     process.resource)
    return None


def _version_tag(content: bytes, process) -> str | None:
    """The process's camunda:versionTag (None without one)."""
    for element in read_xml(content, process.resource).iter(f"{{{NS['bpmn']}}}process"):
        if element.get("id") == process.key:
            return element.get(f"{{{NS['camunda']}}}versionTag") or None
    return None


def _check_storable(process) -> None:
    """Refuse a process whose parsed spec cannot be stored (an element combination the service does not run)."""
    for name, task_spec in process.spec["spec"].get("task_specs", {}).items():
        try:
            json.dumps(task_spec)
        except (TypeError, ValueError) as err:
            raise DeploymentRefused(f"不支持的元素组合（例如多实例脚本任务）：{err}", file=process.resource,
                                    element=getattr(task_spec, "bpmn_id", None) or name) from err
