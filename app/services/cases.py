"""Start cases, claim and complete their tasks, cancel."""

from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.domain.orgs import OrgScope, tenant_of
from app.engine.activities import NONE
from app.engine.changes import Definition
from app.engine.determinism import seed_for
from app.engine.functions import FunctionContext
from app.store.queries import with_case
from app.store.tables import HistoryActivity, OrgUnit, ProcessDefinition, ProcessInstance, Task, User
from app.store.writes import Writes

from .business_keys import refuse_active_duplicate
from .called_instances import CallBinder, with_bindings
from .case_commands import run_command
from .case_data import (
    TASK_RESULT,
    CaseView,
    case_in_scope,
    case_marks,
    cases_in_scope,
    errors_quote_no_personal_values,
    open_case,
)
from .commands import CancelCase, ClaimTask, CompleteTask, StartCase
from .contents import keep_contents
from .definitions import cached_definition, cached_form, latest_definition, version_in_words, visible_definition
from .form_files import check_files
from .forms import form_fields, is_client_form, validate_submission
from .household_file import CONFIRMED, check_household, check_start
from .idempotency import note_started_case
from .inputs import initiator, refuse_reserved, start_inputs
from .notices import insert_notices, notices_to_issue
from .projection import event_row, insert_event, new_state, project, with_following
from .provenance import digest_at_start
from .registry import (
    CANCEL,
    CLAIM,
    COMPLETE,
    START,
    UNCLAIM,
    CancelInputs,
    ClaimInputs,
    Issued,
    StartInputs,
    TaskInputs,
)
from .runtime import Runtime
from .settings import settings_in_force
from .typed import keep_typed, merged_types

# processes the monthly roll starts (app/services/payroll), whose cases it finds by their business keys: a case of
# one started by hand could take a roll's key in another county and stand in for its case
SERVICE_STARTED = frozenset({"payroll", "bank_account_fix"})


def start_case(rt: Runtime, cmd: StartCase) -> ProcessInstance:
    """Start a case of the latest version of `cmd.key` in the actor's org unit."""
    cmd.actor.require("case.report" if cmd.message else "case.start")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        org_path = case_org(uow.session, cmd.actor, cmd.variables.get("village") or cmd.variables.get("township")
                            or cmd.variables.get("county"))
        definition = _case_definition(uow.session, cmd, tenant_of(org_path))
        if definition.key in SERVICE_STARTED and not cmd.actor.trusted:
            raise Forbidden(f"流程 {definition.key} 由发放批次启动，不能直接发起",
                            field="id" if cmd.definition_id else "key")
        if definition.suspended:
            raise Conflict(f"{definition.name or definition.key}（{version_in_words(uow.session, definition)}）已挂起，"
                           "不能发起新案件")
        refuse_active_duplicate(uow.session, cmd.actor, definition.key, cmd.business_key, tenant_of(org_path))
        spec = cached_definition(uow.session, definition.id)
        if cmd.message:
            refuse_undeclared(spec, _message_start(spec, cmd.message), cmd.message, cmd.variables)
        else:
            refuse_without_none_start(spec, definition, "id" if cmd.definition_id else "key")
        given = start_inputs(uow.session, spec, cmd.message, cmd.variables,
                             FunctionContext(moment, rt.calendar_for(org_path, uow.session)))
        if not cmd.message and not cmd.actor.trusted:
            check_start(uow.session, cmd.actor, _has_intake(uow.session, spec), given)
        variables = {**settings_in_force(uow.session, org_path), **given,
                     **initiator(spec, cmd.message, cmd.actor.username)}
        case_id, digest = str(uuid4()), digest_at_start(uow.session, definition)  # query before the case is added
        message = {"messageName": cmd.message, "variables": given} if cmd.message else None
        issued = Issued(START, StartInputs(cmd.business_key, variables, digest, message), cmd.actor, moment,
                        definition.id)
        binder = CallBinder(uow.session, tenant_of(org_path))
        with errors_quote_no_personal_values(uow.session, definition.id, variables):
            changes = START.run(spec, rt.calendar_for(org_path, uow.session), seed_for(case_id, 1, moment), None,
                                issued.inputs, binder=binder)
        issued = with_bindings(issued, binder)
        row = {"id": case_id, "definition_id": definition.id, "definition_key": definition.key,
               "business_key": cmd.business_key, "org_path": org_path, "tenant_id": tenant_of(org_path),
               "state": "ACTIVE", "started_at": moment, "ended_at": None, "started_by": cmd.actor.username,
               "version": 0, "last_event_hash": None, "suspended": False,
               "variable_types": merged_types(None, cmd.typed.types)}
        instance = ProcessInstance(**row)  # not in the session: the row is written with everything else below
        for key, value in new_state(instance, changes, moment).items():
            row[key] = value
            setattr(instance, key, value)
        event = event_row(instance, 1, issued, changes.variables, changes.state)
        notices = notices_to_issue(uow.session, instance, changes, moment, 2)
        events = with_following(event, [notice.issued(cmd.actor) for notice in notices])  # a notice issued at start
        row.update(version=events[-1]["seq"], last_event_hash=events[-1]["hash"])
        instance.version, instance.last_event_hash = row["version"], row["last_event_hash"]
        with Writes(uow.session) as writes:
            writes.add_case(ProcessInstance.__table__, row)
            insert_event(writes, *events)
            project(writes, instance, changes, moment)
            insert_notices(writes, instance, notices)
            note_started_case(writes, case_id)  # a retry with the request's key is answered with this case
        keep_contents(uow.session, instance, cmd.typed.contents)  # its use names the case row, written now
        uow.commit()
        return instance


def _case_definition(session: Session, cmd: StartCase, county: str | None):
    """The county's latest version of the key, else the province's shared one; a version named by id must be
    shared or the case's county's own (another county's is unknown to a county's user, as reading it answers)."""
    if not cmd.definition_id:
        return latest_definition(session, cmd.key, county)
    definition = visible_definition(session, cmd.actor, cmd.definition_id)
    if definition.tenant_id is not None and definition.tenant_id != county:
        raise Forbidden(f"流程定义 {definition.id} 属于县 {definition.tenant_id}，不能在"
                        f"{'县 ' + county if county else '省级'}发起案件", field="id")
    return definition


def case_org(session: Session, actor: Actor, village: str | None) -> str:
    """The unit of a new case: the village (or township) named, which must lie in the actor's scope, else the
    actor's own."""
    if not village:
        return actor.org_path
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == village))
    if unit is None or not actor.scope.covers(unit.path):
        raise ValidationFailed(f"村（社区）{village} 不存在或不在本单位范围内", field="village")
    return unit.path


def visible_task(session: Session, actor: Actor, task_id: str) -> Task:
    """Return an open task the actor may see, or raise NotFound (never reveal other scopes)."""
    return visible_task_and_case(session, actor, task_id)[0]


def visible_task_and_case(session: Session, actor: Actor, task_id: str) -> tuple[Task, ProcessInstance]:
    """Load an open task and its case in one query; NotFound outside the actor's scope."""
    task, instance = with_case(session, Task, task_id)
    if task is None or not actor.scope.covers(task.org_path) or not _may_see(actor, task):
        raise NotFound(f"任务 {task_id} 不存在", field="id")
    return task, instance


def _may_see(actor: Actor, task: Task) -> bool:
    """Who may not read cases (a referral department) sees only tasks offered or assigned to them."""
    return actor.may("case.read") or task.assignee == actor.username or (
        task.assignee is None and bool(actor.groups & set(task.candidate_groups)))


def check_worker(actor: Actor, task: Task, session: Session | None = None) -> None:
    if task.assignee is not None and task.assignee != actor.username:
        raise Forbidden(f"任务已由 {task.assignee} 认领，其他人不能办理")
    if not actor.may_work_on(task.org_path, task.candidate_groups, task.assignee):
        raise Forbidden(f"用户 {actor.username} 不在任务的候选组 {','.join(task.candidate_groups)} 中")
    first = (task.local_variables or {}).get(FOUR_EYES)
    if first and session is not None and _completed_by(session, task.process_instance_id, first) == actor.username:
        raise Forbidden(f"双人复核：{task.name} 须由完成 {first} 的人以外的另一人办理", field="assignee")


FOUR_EYES = "four_eyes_after"  # a task input naming the activity whose completer may not also do this task


def _completed_by(session: Session, case_id: str, activity_id: str) -> str | None:
    """Who last completed `activity_id` in the case (history), if anyone."""
    return session.scalar(select(HistoryActivity.assignee).where(
        HistoryActivity.process_instance_id == case_id, HistoryActivity.activity_id == activity_id,
        HistoryActivity.end_time.is_not(None)).order_by(HistoryActivity.end_time.desc()).limit(1))


def complete_task(rt: Runtime, cmd: CompleteTask) -> CaseView | None:
    """Validate the form, complete the task and run the case to its next wait; answer with the case's
    variables (to a role that does not read cases: the task's own) when asked."""
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, cmd.actor, cmd.task_id)
        check_worker(cmd.actor, task, uow.session)
        variables = _validated(uow.session, cmd.actor, task, instance, cmd.variables, rt, moment)
        run_command(rt, uow.session, instance,
                    Issued(COMPLETE, TaskInputs(task.id, variables), cmd.actor, moment, task.activity_id))
        keep_typed(uow.session, instance, cmd.typed)
        result = open_case(uow.session, cmd.actor, instance, TASK_RESULT, {**(task.local_variables or {}),
                                                                           **variables}) \
            if cmd.with_variables else None
        uow.commit()
        return result


def _validated(session, actor: Actor, task: Task, instance: ProcessInstance, submitted: dict, rt: Runtime,
               moment) -> dict:
    if not task.form_key or is_client_form(task.form_key):
        refuse_reserved(cached_definition(session, instance.definition_id), submitted)
        return submitted
    schema = cached_form(session, task.form_key)
    if schema is None:
        raise NotFound(f"任务 {task.activity_id} 的表单 {task.form_key} 未部署", field="formKey")
    accepted = validate_submission(schema, submitted, instance.variables or {},
                                   FunctionContext(moment, rt.calendar_for(instance.org_path, session)),
                                   case_marks(session, instance.definition_id))
    if _is_intake(schema):  # 一户一档
        check_household(session, actor, instance.id, accepted)
    check_files(session, task, schema, accepted)
    return accepted


def _is_intake(schema: dict) -> bool:
    """An intake form: it asks the window to confirm the household's other cases (一户一档)."""
    return CONFIRMED in {f["key"] for f in form_fields(schema)}


def _has_intake(session: Session, definition: Definition) -> bool:
    """Whether a process takes applications: one of its tasks has an intake form."""
    forms = {a.form_id for a in definition.activities.values() if a.type == "userTask" and a.form_id}
    return any(_is_intake(schema) for schema in (cached_form(session, f) for f in sorted(forms)) if schema)


def claim_task(rt: Runtime, cmd: ClaimTask) -> None:
    """Claim (or with user_id None, unclaim) a task; a claimed task cannot be claimed again."""
    moment = clock.now()
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, cmd.actor, cmd.task_id)
        if cmd.user_id is None:
            if task.assignee not in (None, cmd.actor.username) and not cmd.actor.may("case.cancel"):
                raise Forbidden("只能退回自己认领的任务")
            if task.assignee is None and not cmd.actor.may("case.cancel"):
                check_worker(cmd.actor, task)  # readers (auditors, designers…) change nothing, not even the log
        elif cmd.user_id != cmd.actor.username:
            _check_assignment(uow.session, cmd.actor, task, cmd.user_id)
        else:
            if task.assignee not in (None, cmd.user_id):
                raise Conflict(f"任务已由 {task.assignee} 认领")
            check_worker(cmd.actor, task, uow.session)
        # the task's and its history row's assignee are written with the event, in one statement and only if the case
        # is still at the version read with the task: every change of a task's assignee moves its case, so a claim
        # that another overtook writes nothing and is a Conflict
        assigned = [{"id": task.id, "assignee": cmd.user_id}]

        def assign(writes: Writes) -> None:
            writes.update_rows(Task.__table__, assigned, ("id",))
            writes.update_rows(HistoryActivity.__table__, assigned, ("id",))

        run_command(rt, uow.session, instance, Issued(CLAIM if cmd.user_id else UNCLAIM,
                                                      ClaimInputs(task.id, cmd.user_id), cmd.actor, moment,
                                                      task.activity_id), also=assign)
        uow.commit()


def _check_assignment(session: Session, actor: Actor, task: Task, user_id: str) -> None:
    """A task nobody is offered (no assignee, no candidate group — Camunda allows it) is given to a user of its
    unit by a supervisor; everyone else may only claim for themselves."""
    if task.candidate_groups or task.assignee is not None or not actor.may("supervision.act"):
        raise Forbidden("只能由本人认领任务；无候选组且未指派的任务由督办人员指派", field="userId")
    user = session.scalar(select(User).where(User.username == user_id, User.active.is_(True)))
    if user is None or not OrgScope(user.org_path).covers(task.org_path):
        raise ValidationFailed(f"用户 {user_id} 不存在或不在任务所属单位范围内", field="userId")


def refuse_without_none_start(spec: Definition, definition: ProcessDefinition, field: str) -> None:
    """A start that names no message begins at the process's none start event; a process without one starts
    only at its other start events (a message: POST /message). Camunda 7 refuses it likewise: "Process '…' has
    no default start activity (e.g. none start event), hence you cannot use 'startProcessInstanceBy...'"."""
    if "NoneEventDefinition" in spec.start_events.values():
        return
    messages = [spec.activity(event).message for event in spec.start_events]
    by = "、".join(f"{event}（消息 {message}）" if message else event
                   for event, message in zip(spec.start_events, messages, strict=True))
    raise ValidationFailed(f"流程 {definition.name}（{definition.key} 第 {definition.version} 版）没有无触发的开始事件"
                           f"（none start event），不能直接发起：只能由开始事件 {by or '（无）'} 发起"
                           f"{'，即 POST /message 发送该消息' if any(messages) else ''}", field=field)


def _message_start(definition: Definition, message: str) -> str | None:
    return next((activity_id for activity_id, info in definition.activities.items()
                 if info.type == "startEvent" and info.message == message), None)


def refuse_undeclared(definition: Definition, activity_id: str | None, message: str, variables: dict) -> None:
    """A message carries only the variables its event declares: the extension property `variables`, or the
    fields of the event's form (a message start's payload form, validated as a form)."""
    info = definition.activity(activity_id) if activity_id else NONE
    if info.form_id or info.form_ref:
        return
    declared = set(info.variables or ())
    for name in variables:
        if name not in declared:
            allowed = "、".join(sorted(declared)) or "无"
            raise ValidationFailed(f"消息 {message} 不能携带变量 {name}（流程图为它声明的变量：{allowed}）",
                                   field=f"processVariables.{name}")


def cancel_case(rt: Runtime, cmd: CancelCase) -> None:
    """Cancel a running case (Camunda DELETE /process-instance/{id})."""
    cmd.actor.require("case.cancel")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, cmd.actor, cmd.process_instance_id)
        run_command(rt, uow.session, instance, Issued(CANCEL, CancelInputs(cmd.reason), cmd.actor, moment))
        uow.commit()


def cancel_cases(rt: Runtime, actor: Actor, instance_ids: list[str], reason: str | None) -> int:
    """Cancel every case named, in one unit of work: all or none (Camunda's deletion batch, run at once)."""
    actor.require("case.cancel")
    if not instance_ids:
        raise ValidationFailed("须给出 processInstanceIds", field="processInstanceIds")
    moment = clock.now()
    with rt.unit_of_work() as uow:
        for instance in cases_in_scope(uow.session, actor, instance_ids):
            run_command(rt, uow.session, instance, Issued(CANCEL, CancelInputs(reason), actor, moment))
        uow.commit()
    return len(dict.fromkeys(instance_ids))
