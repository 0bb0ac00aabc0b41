"""The engine commands, one object each: its name in the case log, its inputs, what it does to a run, its label.

A handler (app/services/cases.py, external_tasks.py, jobs.py, repair.py) checks who may do what and
finds the case, then runs one of these (app/services/case_commands.py). Replay re-runs the same
object on the inputs its event recorded (app/services/replay.py); /metrics counts completions and
fired timers by its attributes (app/metrics.py); the pages show its label (app/web/format.py). A
new command is one more entry here.
"""

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypeVar

from app.domain.actors import Actor
from app.domain.workcalendar import WorkCalendar
from app.engine.binding import Binder
from app.engine.changes import Changes, Definition
from app.engine.determinism import Seed
from app.engine.moves import Instruction
from app.engine.runner import CaseRun


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Inputs:
    """What a command was given, as its event stores it: a JSON object whose keys are the fields in camelCase.

    A field with a default may be missing or null in a stored event (then it takes the default); a field
    without one must be there.
    """

    OMIT_WHEN_NONE: ClassVar[frozenset[str]] = frozenset()  # fields left out of the event when None
    # the definition each call activity that started in the command was bound to, by its instance id
    # (app/engine/binding.py): what the service chose, recorded so replay binds each call as it was bound
    called_definitions: dict | None = field(default=None, kw_only=True)

    def to_json(self) -> dict:
        return {_camel(f.name): getattr(self, f.name) for f in fields(self)
                if not ((f.name in self.OMIT_WHEN_NONE or f.name == "called_definitions")
                        and getattr(self, f.name) is None)}

    @classmethod
    def from_json(cls, data: dict) -> Self:
        """Read a stored event's inputs; a missing required field raises KeyError naming its key."""
        values = {}
        for f in fields(cls):
            key = _camel(f.name)
            if f.default is MISSING and f.default_factory is MISSING:
                values[f.name] = data[key]
            elif data.get(key) is not None:
                values[f.name] = data[key]
        return cls(**values)


@dataclass(frozen=True)
class StartInputs(Inputs):
    OMIT_WHEN_NONE = frozenset({"message"})
    business_key: str | None = None
    variables: dict = field(default_factory=dict)  # the county settings copied, then what the starter gave
    definition_digest: str | None = None  # the deployment as it was at the start (app/services/provenance.py)
    message: dict | None = None  # {"messageName", "variables"}: started at that message start event


@dataclass(frozen=True)
class TaskInputs(Inputs):
    task_id: str
    variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimInputs(Inputs):
    task_id: str
    user_id: str | None = None  # None: given back


@dataclass(frozen=True)
class MessageInputs(Inputs):
    message_name: str
    task_id: str
    variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SignalInputs(Inputs):
    """A signal delivered to the case (Camunda's POST /signal): its name and the variables it set."""

    signal_name: str
    variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobInputs(Inputs):
    OMIT_WHEN_NONE = frozenset({"reason"})
    job_id: str
    due: str | None = None  # ISO 8601: when the timer was due (fired), or its new due time (moved)
    reason: str | None = None  # why a supervisor moved it (the pages ask; the REST API has no field for it)


@dataclass(frozen=True)
class WorkerInputs(Inputs):
    OMIT_WHEN_NONE = frozenset({"local_variables"})
    task_id: str
    worker_id: str | None = None
    variables: dict = field(default_factory=dict)
    # variables of the task's own scope, which ends with it (no output mapping is served): kept only here
    local_variables: dict | None = None


@dataclass(frozen=True)
class EscalationInputs(Inputs):
    task_id: str
    escalation_code: str
    variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BpmnErrorInputs(Inputs):
    task_id: str
    error_code: str
    worker_id: str | None = None
    error_message: str | None = None
    variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FailureInputs(Inputs):
    task_id: str
    worker_id: str | None = None
    error_message: str | None = None
    error_details: str | None = None
    retries: int = 0
    retry_timeout: int = 0


@dataclass(frozen=True)
class RetriesInputs(Inputs):
    task_id: str
    retries: int


@dataclass(frozen=True)
class VariablesInputs(Inputs):
    OMIT_WHEN_NONE = frozenset({"deletions"})
    variables: dict
    deletions: list | None = None  # deleted after the changes (a variable both changed and deleted ends deleted)


@dataclass(frozen=True)
class SuspensionInputs(Inputs):
    suspended: bool  # True: suspended (no task, job, external task or message moves it); False: active again


@dataclass(frozen=True)
class CancelInputs(Inputs):
    reason: str | None = None


@dataclass(frozen=True)
class ModificationInputs(Inputs):
    """Camunda's process-instance modification: its instructions in order (app/engine/moves.py) and why."""

    OMIT_WHEN_NONE = frozenset({"annotation"})
    instructions: list  # Instruction.to_json() each
    annotation: str | None = None


@dataclass(frozen=True)
class MigrationInputs(Inputs):
    """Camunda's migration of a case to another version: the plan's activity pairs and variables."""

    source_process_definition_id: str
    target_process_definition_id: str
    instructions: list  # [source activity id, target activity id] each
    variables: dict = field(default_factory=dict)


def _migrate(run: CaseRun, i: MigrationInputs) -> Changes:
    if run.resolve is None:
        raise ValueError("a migration needs its target definition")
    return run.migrate(run.resolve(i.target_process_definition_id), dict(i.instructions), i.variables)


@dataclass(frozen=True)
class CommentInputs(Inputs):
    """A comment on a task (办理意见), kept in the case's log: Camunda's task comment."""

    comment_id: str
    task_id: str
    message: str


@dataclass(frozen=True)
class VoidInputs(Inputs):
    """An application abandoned and voided (作废): why. The case ends as a cancellation does."""

    reason: str


@dataclass(frozen=True)
class CandidateInputs(Inputs):
    """A candidate group given to (or taken from) an open task: Camunda's identity link of type candidate."""

    task_id: str
    group_id: str
    added: bool


@dataclass(frozen=True)
class StandardInputs(Inputs):
    """A new 低保 standard recomputes a household's 补差 (app/services/payroll/standard.py)."""

    variables: dict  # the case's new standard and amount, and the change itself
    notice: dict | None = None  # the approval notice of the new amount: {"kind", "text"}


@dataclass(frozen=True)
class LedgerInputs(Inputs):
    """A frozen roll's entries in the county's payment ledger (app/services/payroll/ledger.py)."""

    run_id: int
    entries: int
    first: int | None
    last: int | None
    head: str | None  # the hash of the last entry: audit-verify checks the ledger's chain reaches it
    total_fen: int = 0


@dataclass(frozen=True)
class NoticeInputs(Inputs):
    """A notice of a decision a command issued (app/services/notices.py): what its text depends on besides the
    case data, and the sha256 of its text whole and masked."""

    notice_id: str
    kind: str
    template: str  # the template version's id
    task_id: str  # the handover task that opened with it
    process_name: str
    settings: dict  # the county's 复议 body and court in force
    sha256: str
    masked_sha256: str
    business_key: str | None = None


@dataclass(frozen=True)
class AttachmentInputs(Inputs):
    """A file or link attached to the case or one of its tasks, or removed: the content's sha256 and size, so
    verification can check the bytes kept are the bytes attached."""

    OMIT_WHEN_NONE = frozenset({"task_id", "sha256", "size", "url", "media_type"})
    attachment_id: str
    name: str
    task_id: str | None = None
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    url: str | None = None


In = TypeVar("In", bound=Inputs)


@dataclass(frozen=True)
class Command(Generic[In]):
    """One engine command."""

    name: str  # as the case log records it (`case_event.command`)
    label: str  # what the audit pages call it
    title: str  # a case event in a sentence; `{}` is the step it acted on
    inputs: type[In]
    apply: Callable[[CaseRun, In], Changes] | None = None  # None: the engine state does not change
    starts: bool = False  # creates the case's workflow rather than loading it
    completes: str | None = None  # the kind of task it completes ("user", "external"), counted on /metrics
    fires_timer: bool = False
    holds: bool | None = None  # True: the task's user holds it afterwards; False: no one does

    def read(self, data: dict | None) -> In:
        """Return an event's stored inputs, typed."""
        return self.inputs.from_json(data or {})

    def run(self, definition: Definition, calendar: WorkCalendar, seed: Seed, state: bytes | None,
            inputs: In, resolve: Callable[[str], Definition] | None = None,
            binder: Binder | None = None, observed: bool = True) -> Changes | None:
        """Run the command on a case's stored `state` at `seed.moment`; None when it does not touch the engine.

        `resolve` finds another definition by id (a migration's target); `binder` binds the calls that start
        (app/engine/binding.py): the service's, or when replaying the one that answers what the event recorded. Not
        `observed`, the changes hold only the state, the data and whether the case completed (what a replay
        compares), not what opened, closed or moved."""
        if self.apply is None:
            return None
        run = CaseRun(definition, calendar, seed.moment, seed, binder)
        run.resolve, run.observed = resolve, observed
        if not self.starts:
            if state is None:
                raise ValueError(f"{self.name} needs a stored case")
            run.load(state)
        return self.apply(run, inputs)


def _start(run: CaseRun, i: StartInputs) -> Changes:
    run.create(i.variables)
    message = i.message
    return run.start_by_message(message["messageName"], message.get("variables") or {}) if message else run.run()


START = Command("start", "发起", "发起申请", StartInputs, _start, starts=True)
COMPLETE = Command("complete", "完成任务", "办理完成：{}", TaskInputs,
                   lambda run, i: run.complete_task(i.task_id, i.variables), completes="user", holds=False)
CLAIM = Command("claim", "认领", "认领：{}", ClaimInputs, holds=True)
UNCLAIM = Command("unclaim", "退回认领", "退回：{}", ClaimInputs, holds=False)
MESSAGE = Command("message", "收到消息", "收到消息：{}", MessageInputs,
                  lambda run, i: run.correlate(i.task_id, i.message_name, i.variables))
SIGNAL = Command("signal", "收到信号", "收到信号：{}", SignalInputs,
                 lambda run, i: run.signal(i.signal_name, i.variables))
TIMER = Command("timer", "定时器触发", "计时到期：{}", JobInputs, lambda run, i: run.fire_timer(i.job_id),
                fires_timer=True)
JOB_DUE = Command("job_due", "调整到期时间", "调整到期时间：{}", JobInputs)
EXTERNAL_COMPLETE = Command("external_complete", "核对结果返回", "外部处理完成：{}", WorkerInputs,
                            lambda run, i: run.complete_task(i.task_id, i.variables), completes="external")
EXTERNAL_FAILURE = Command("external_failure", "外部任务失败", "外部处理失败：{}", FailureInputs)
EXTERNAL_RETRIES = Command("external_retries", "外部任务重试次数", "外部任务重试次数：{}", RetriesInputs)
EXTERNAL_BPMN_ERROR = Command("external_bpmn_error", "外部任务报错", "外部处理报告业务错误：{}", BpmnErrorInputs,
                              lambda run, i: run.throw_error(i.task_id, i.error_code, i.variables))
TASK_BPMN_ERROR = Command("task_bpmn_error", "任务报错", "办理中报告业务错误：{}", BpmnErrorInputs,
                          lambda run, i: run.throw_error(i.task_id, i.error_code, i.variables))
TASK_ESCALATION = Command("task_escalation", "任务升级", "办理中报告升级：{}", EscalationInputs,
                          lambda run, i: run.throw_escalation(i.task_id, i.escalation_code, i.variables))
VARIABLES = Command("variables", "修改变量", "修改案件数据", VariablesInputs,
                    lambda run, i: run.set_variables(i.variables, tuple(i.deletions or ())))
CANCEL = Command("cancel", "终止", "终止案件", CancelInputs, lambda run, i: run.cancel())
VOID = Command("void", "作废", "申请作废", VoidInputs, lambda run, i: run.cancel())
MODIFICATION = Command("modification", "移动流程位置", "调整办理环节：{}", ModificationInputs,
                       lambda run, i: run.modify([Instruction.from_json(x) for x in i.instructions]))
MIGRATION = Command("migration", "迁移流程版本", "迁移到新版本流程", MigrationInputs, _migrate)
COMMENT = Command("comment", "办理意见", "填写办理意见：{}", CommentInputs)
CANDIDATES = Command("candidates", "调整候选组", "调整候选组：{}", CandidateInputs)
STANDARD_CHANGE = Command("standard_change", "调整低保标准", "低保标准调整，重新核定保障金", StandardInputs,
                          lambda run, i: run.set_variables(i.variables))
LEDGER = Command("ledger", "写入发放台账", "发放名册冻结，写入发放台账", LedgerInputs)
NOTICE = Command("notice", "出具告知书", "出具告知书：{}", NoticeInputs)  # set off by the command before it

ATTACH = Command("attach", "添加附件", "添加附件：{}", AttachmentInputs)
DETACH = Command("detach", "删除附件", "删除附件：{}", AttachmentInputs)
SUSPENSION = Command("suspension", "挂起/激活", "挂起或激活案件", SuspensionInputs)

COMMANDS: dict[str, Command[Any]] = {c.name: c for c in (
    START, COMPLETE, CLAIM, UNCLAIM, MESSAGE, SIGNAL, TIMER, JOB_DUE, EXTERNAL_COMPLETE, EXTERNAL_FAILURE,
    EXTERNAL_RETRIES, EXTERNAL_BPMN_ERROR, TASK_BPMN_ERROR, TASK_ESCALATION, VARIABLES, CANCEL, STANDARD_CHANGE,
    LEDGER, SUSPENSION, NOTICE, MODIFICATION, MIGRATION, ATTACH, DETACH, COMMENT, VOID, CANDIDATES)}
# what a suspended case refuses (Camunda's suspension): its work moving on; a repair, a cancellation or a
# payroll entry still apply
HELD_WHILE_SUSPENDED = frozenset({COMPLETE.name, CLAIM.name, UNCLAIM.name, MESSAGE.name, SIGNAL.name, TIMER.name,
                                  EXTERNAL_COMPLETE.name, EXTERNAL_FAILURE.name, EXTERNAL_BPMN_ERROR.name,
                                  TASK_BPMN_ERROR.name, TASK_ESCALATION.name,
                                  MODIFICATION.name, MIGRATION.name})


def label(name: str) -> str:
    """What people call the command recorded as `name` (an unknown name shows as it is)."""
    command = COMMANDS.get(name)
    return command.label if command else name


def title(name: str, step: str) -> str:
    """Describe an event of command `name` on `step` in a sentence."""
    command = COMMANDS.get(name)
    pattern = command.title if command else name + " {}"
    return pattern.format(step).rstrip("： ")


@dataclass(frozen=True)
class Issued(Generic[In]):
    """A command issued on a case: which, with what, by whom, when, and on which BPMN element."""

    command: Command[In]
    inputs: In
    actor: Actor
    moment: datetime
    target: str | None = None
