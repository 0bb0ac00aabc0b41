"""Process instances a call activity started (Camunda's sub process instances), as rows of their own.

A called process runs inside the workflow of the case that called it, in the version `CallBinder` chose when the
call started (app/engine/binding.py; a call bound to its deployment runs the version deployed with its caller): the
case's row holds the state, its log the events, and every command on a called instance's task, job or message is
run on the case (`root_of`). Each called instance is nonetheless a process instance row of its own — its
id (the call activity instance's), its definition, its super instance, its state and data — and the rows of its
tasks, jobs, subscriptions and history name it as their process instance, as Camunda's do.
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.errors import Conflict, EngineFailure
from app.domain.personal import scrub
from app.engine.binding import CallTarget, UnboundCall
from app.engine.changes import CallInstance, Changes, Definition
from app.store.tables import Deployment, ProcessDefinition, ProcessInstance
from app.store.writes import Writes

from .case_data import call_bound, case_marks
from .definitions import cached_definition, same_tenant
from .registry import Issued

_CASES = ProcessInstance.__table__
Scopes = dict[str | None, dict[str, Any]]  # called instance id (None: the case) -> the columns its rows carry


def scope_columns(instance: Any) -> dict[str, Any]:
    """The columns the task, job and history rows of an instance carry."""
    return {"process_instance_id": instance.id, "definition_id": instance.definition_id,
            "definition_key": instance.definition_key, "business_key": instance.business_key,
            "org_path": instance.org_path, "tenant_id": instance.tenant_id}


def project_calls(writes: Writes, case: ProcessInstance, changes: Changes, moment: datetime) -> Scopes:
    """Add the rows of the instances the command's call activities started, bring those it ran or ended up to
    date, and return the columns each instance's rows carry."""
    scopes: Scopes = {None: scope_columns(case)}
    referenced = {x.instance for x in (*changes.opened, *changes.timers_set, *changes.subscribed, *changes.started,
                                       *changes.ended, *changes.cancelled)} - {None}
    if not (changes.calls or referenced or changes.terminated):
        return scopes
    session = writes.session
    known = {row.id: row for row in session.execute(
        select(ProcessInstance.id, ProcessInstance.definition_id, ProcessInstance.definition_key,
               ProcessInstance.business_key, ProcessInstance.org_path, ProcessInstance.tenant_id,
               ProcessInstance.state)
        .where(ProcessInstance.root_process_instance_id == case.id))}
    running = {c.id for c in changes.calls}
    for row in known.values():  # what ended with a branch the engine dropped (a cancelled multi-instance call)
        scopes[row.id] = scope_columns(row)
        if row.state == "ACTIVE" and row.id not in running:
            writes.set_case(_CASES, row.id, {"state": "EXTERNALLY_TERMINATED", "ended_at": moment})
    for call in changes.calls:  # a call is listed after the call that started it (the engine's task order)
        if call.id in known:
            writes.set_case(_CASES, call.id, _progress(call, moment))
            continue
        super_row = scopes.get(call.super_id) or scopes[None]
        definition_id = call.definition_id or called_definition(session, super_row["definition_id"], call.key,
                                                                case.tenant_id)
        if call.business_key and not call.business_key_of_super:
            _no_personal_value(session, super_row["definition_id"], call, [case.variables or {},
                                                                          *(c.variables for c in changes.calls)])
        row = {"id": call.id, "definition_id": definition_id, "definition_key": call.key,
               "business_key": super_row["business_key"] if call.business_key_of_super else call.business_key,
               "org_path": case.org_path, "tenant_id": case.tenant_id,
               "state": "ACTIVE", "started_at": moment, "ended_at": None, "started_by": None,
               "variables": call.variables, "workflow": b"", "last_event_hash": None, "version": 0,
               "suspended": bool(case.suspended), "variable_types": None,
               "super_process_instance_id": call.super_id or case.id, "root_process_instance_id": case.id,
               **_progress(call, moment)}
        writes.add_case(_CASES, row, first=False)
        scopes[call.id] = scope_columns(ProcessInstance(**row))
    return scopes


def _no_personal_value(session: Session, caller_definition_id: str, call: CallInstance,
                       data: list[dict[str, Any]]) -> None:
    """Fail the call when its business key (`camunda:in businessKey`) quotes a personal value of the case: a business
    key is shown whole to every reader of the case, masked or not. An income is left out: a number that any key may
    hold by chance."""
    marks = case_marks(session, caller_definition_id)
    values = [(marks[name], value) for variables in data for name, value in variables.items()
              if marks.get(name) not in (None, "income")]
    if scrub(call.business_key or "", values) != call.business_key:
        raise EngineFailure("camunda:in businessKey 的值含有案件的个人信息（被调用流程实例的业务键对每个读取案件的"
                            f"角色都不遮蔽），不能启动被调用的流程实例：{call.activity_id}", element=call.activity_id)


def _progress(call: CallInstance, moment: datetime) -> dict[str, Any]:
    ended = call.state != "ACTIVE"
    return {"state": call.state, "variables": call.variables, **({"ended_at": moment} if ended else {})}


class CallBinder:
    """Binds each call as it starts to the version Camunda would call (`camunda:calledElementBinding`), among the
    versions of the key a start by key in the case's county would use: the county's own if it deployed the key,
    else the shared ones — `latest`: the latest of them now; `version`: that version number; `versionTag`: the one
    whose camunda:versionTag it is. Keeps what it bound (`bound`, call instance id -> definition id) for the
    command's event."""

    def __init__(self, session: Session, tenant_id: str | None) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.bound: dict[str, str] = {}

    def bind(self, call_id: str, target: CallTarget) -> Definition:
        found, suspended = bound_version(self.session, target, self.tenant_id)
        if suspended:
            raise UnboundCall(f"调用的流程定义 {found} 已挂起，不能启动被调用的流程实例"
                              f"（Cannot start process instance. Process definition {found} is suspended）")
        self.bound[call_id] = found
        call_bound(target.key, found)  # a version deployed on another node, not yet heard of: its marks count now
        return cached_definition(self.session, found)

    def definition(self, definition_id: str) -> Definition:
        return cached_definition(self.session, definition_id)


def with_bindings(issued: Issued, binder: CallBinder) -> Issued:
    """The command with the calls it bound recorded in its inputs (replay binds them alike)."""
    if not binder.bound:
        return issued
    return replace(issued, inputs=replace(issued.inputs, called_definitions=dict(binder.bound)))


def bound_version(session: Session, target: CallTarget, tenant_id: str | None) -> tuple[str, bool]:
    """The id of the definition a call bound by `target` runs in the county `tenant_id`, and whether it is
    suspended; UnboundCall (the call fails, as Camunda's does) when there is none, or when a version tag names more
    than one. One query: the key's versions, the county's and the shared ones."""
    rows = session.execute(select(ProcessDefinition.id, ProcessDefinition.suspended, ProcessDefinition.tenant_id,
                                  ProcessDefinition.version, ProcessDefinition.version_tag)
                           .where(ProcessDefinition.key == target.key,
                                  or_(ProcessDefinition.tenant_id.is_(None),
                                      ProcessDefinition.tenant_id == tenant_id) if tenant_id is not None
                                  else ProcessDefinition.tenant_id.is_(None))).all()
    own = [row for row in rows if tenant_id is not None and row.tenant_id == tenant_id]
    versions = own or [row for row in rows if row.tenant_id is None]  # the county's if it deployed the key
    if target.binding == "version":
        found = [row for row in versions if row.version == target.version]
    elif target.binding == "versionTag":
        found = [row for row in versions if row.version_tag == target.version_tag]
    else:
        found = sorted(versions, key=lambda row: row.version)[-1:]
    if len(found) > 1:
        raise UnboundCall(f"调用的流程 {target.describe()}有 {len(found)} 个已部署的流程定义，不能确定调用哪一个"
                          f"（There are {len(found)} results for a process definition with key '{target.key}' and "
                          f"versionTag '{target.version_tag}'）")
    if found:
        return found[0].id, bool(found[0].suspended)
    where = f"（县 {tenant_id} 或省级共享）" if tenant_id else "（省级共享）"
    detail = {"version": f", version = '{target.version}'",
              "versionTag": f", versionTag = '{target.version_tag}'"}.get(target.binding, "")
    raise UnboundCall(f"调用的流程没有已部署的版本：{target.describe()}{where}"
                      f"（no processes deployed with key = '{target.key}'{detail}）")


def called_definition(session: Session, caller_definition_id: str, key: str, tenant_id: str | None) -> str:
    """The version of `key` a call activity of `caller_definition_id` runs when it is bound to its deployment (or
    was started before calls were bound when they start): the one deployed with the caller, else the latest
    deployed before it (the county's own first) — the version the caller's deployment bound."""
    caller = session.get(ProcessDefinition, caller_definition_id)
    if caller is None:
        raise Conflict(f"流程定义 {caller_definition_id} 不存在")
    deployed_at = select(Deployment.deployed_at).where(Deployment.id == caller.deployment_id).scalar_subquery()
    same = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key,
                                                             ProcessDefinition.deployment_id == caller.deployment_id))
    if same is not None:
        return same
    for tenant in dict.fromkeys((tenant_id, None)):
        found = session.scalar(select(ProcessDefinition.id).join(Deployment)
                               .where(ProcessDefinition.key == key, same_tenant(ProcessDefinition.tenant_id, tenant),
                                      Deployment.deployed_at <= deployed_at)
                               .order_by(ProcessDefinition.version.desc()).limit(1))
        if found is not None:
            return found
    raise Conflict(f"调用的流程 {key} 未部署")


# commands a called instance's task, job or message takes: run on the case its workflow lives in
ON_CALLED = frozenset({"complete", "claim", "unclaim", "message", "timer", "job_due", "external_complete",
                       "external_failure", "external_retries", "external_bpmn_error", "comment", "attach", "detach",
                       "candidates", "notice"})


def root_of(session: Session, instance: ProcessInstance, command: str, label: str) -> ProcessInstance:
    """The case whose workflow runs `instance` (itself unless a call activity started it); a command that would act
    on a called instance as a whole (cancel, suspend, modify, migrate, change its data) is refused: the called
    process runs in its case and is ended, suspended or changed through it."""
    if instance.root_process_instance_id is None:
        return instance
    if command not in ON_CALLED:
        raise Conflict(f"流程实例 {instance.id} 由上级流程实例 {instance.super_process_instance_id} 的调用活动启动，"
                       f"在根流程实例 {instance.root_process_instance_id} 内运行：{label}须对根流程实例进行"
                       f"（终止根流程实例即终止它调用的流程实例）", field="id")
    root = session.get(ProcessInstance, instance.root_process_instance_id)
    if root is None:
        raise Conflict(f"流程实例 {instance.id} 的根流程实例 {instance.root_process_instance_id} 不存在")
    return root
