"""marshmallow schemas for the request bodies and query strings of the engine API.

Every field Camunda defines for a body is declared: honoured, or `Refused` — a field this service
cannot act on is accepted only at its Camunda default (absent, null or the default value), so a
client that sends defaults works and one that asks for more gets a 400 naming the field.
"""

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from .fields import SOME_VALUES, CamundaBoolean, CamundaDateTime, CommaList, in_range  # noqa: F401 (calendar and supervision use it)
from .fields import StrictSchema as _Strict


class Refused(fields.Field):
    """A Camunda field this service does not act on: only its default (or null) is accepted."""

    def __init__(self, default=None, reason: str = "本服务不支持", **kwargs):
        super().__init__(load_default=default, allow_none=True, **kwargs)
        self.default, self.reason = default, reason

    def _deserialize(self, value, attr, data, **kwargs):
        empty = isinstance(self.default, (dict, list)) and isinstance(value, (dict, list)) and not value
        if value == self.default or empty:
            return self.default
        raise ValidationError(f"{self.reason}（只接受默认值 {self.default!r}）")


def _variables():
    return fields.Dict(load_default=dict, allow_none=True)


class VariablesBody(_Strict):
    variables = _variables()
    withVariablesInReturn = CamundaBoolean(load_default=False)


class EvaluateDecisionBody(_Strict):
    """Camunda's EvaluateDecisionDto: the decision's inputs as typed variables."""

    variables = _variables()


class StartBody(VariablesBody):
    businessKey = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    caseInstanceId = Refused(reason="CMMN 案例不受支持")
    startInstructions = Refused([], reason="尚不支持从指定活动开始")
    skipCustomListeners = CamundaBoolean(allow_none=True)  # there are no custom (Java) listeners to skip
    skipIoMappings = CamundaBoolean(allow_none=True)  # Camunda reads it only with startInstructions


class UserIdBody(_Strict):
    userId = fields.String(required=True, allow_none=True)


class MessageBody(_Strict):
    messageName = fields.String(required=True, validate=validate.Length(min=1))
    businessKey = fields.String(load_default=None, allow_none=True)
    processInstanceId = fields.String(load_default=None, allow_none=True)
    correlationKeys = _variables()
    localCorrelationKeys = _variables()
    processVariables = _variables()
    processVariablesLocal = Refused({}, reason="消息的局部变量不受支持")
    processVariablesToTriggeredScope = Refused({}, reason="消息的局部变量不受支持")
    tenantId = Refused(reason="消息按案件所在县关联，不能指定租户")
    withoutTenantId = Refused(False, reason="每个案件都属于一个县（租户）：没有不属于租户的案件可关联")
    all = CamundaBoolean(load_default=False)
    resultEnabled = CamundaBoolean(load_default=False)
    variablesInResultEnabled = CamundaBoolean(load_default=False)


class SignalBody(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1))
    executionId = fields.String(load_default=None, allow_none=True)
    variables = _variables()
    tenantId = fields.String(load_default=None, allow_none=True)
    withoutTenantId = Refused(False, reason="每个案件都属于一个县（租户）：没有不属于租户的案件可接收信号")


class VariableModifications(_Strict):
    modifications = fields.Dict(load_default=dict, allow_none=True)
    deletions = fields.List(fields.String(), load_default=list, allow_none=True)


def _names():
    return fields.List(fields.String(), load_default=None, allow_none=True)


class TopicSchema(_Strict):
    topicName = fields.String(required=True)
    lockDuration = fields.Integer(required=True, validate=validate.Range(min=1, max=7 * 24 * 3600 * 1000))
    variables = _names()  # None: all the topic declares
    localVariables = Refused(False, reason="外部任务没有局部变量可单独返回")
    businessKey = fields.String(load_default=None, allow_none=True)
    processDefinitionId = fields.String(load_default=None, allow_none=True)
    processDefinitionIdIn = _names()
    processDefinitionKey = fields.String(load_default=None, allow_none=True)
    processDefinitionKeyIn = _names()
    processDefinitionVersionTag = fields.String(load_default=None, allow_none=True)
    withoutTenantId = CamundaBoolean(allow_none=True)  # with tenantIdIn, tenantIdIn wins (Camunda sets it later)
    tenantIdIn = fields.List(fields.String(), load_default=None, allow_none=True, validate=SOME_VALUES)
    processVariables = fields.Dict(load_default=dict, allow_none=True)
    deserializeValues = CamundaBoolean(allow_none=True)
    includeExtensionProperties = CamundaBoolean(allow_none=True)

    @post_load
    def _single(self, data, **kwargs):
        """`processDefinitionId` / `…Key` narrow like a one-item `…In` (both given: both apply)."""
        for one, many in (("processDefinitionId", "processDefinitionIdIn"), ("processDefinitionKey",
                                                                             "processDefinitionKeyIn")):
            if data.get(one) is not None:
                data[many] = [v for v in (data.get(many) or [data[one]]) if v == data[one]]
        return data


class FetchSorting(_Strict):
    sortBy = fields.String(required=True, validate=validate.OneOf(["createTime"]))
    sortOrder = fields.String(required=True, validate=validate.OneOf(["asc", "desc"]))


class FetchAndLockBody(_Strict):
    workerId = fields.String(required=True, validate=validate.Length(min=1, max=200))
    maxTasks = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000))
    usePriority = CamundaBoolean(load_default=True, allow_none=True)
    asyncResponseTimeout = fields.Integer(load_default=None, allow_none=True,
                                          validate=validate.Range(min=0, max=1_800_000))
    topics = fields.List(fields.Nested(TopicSchema), required=True)
    sorting = fields.List(fields.Nested(FetchSorting), load_default=None, allow_none=True,
                          validate=validate.Length(max=1))

    @post_load
    def _priority(self, data, **kwargs):
        data["usePriority"] = data["usePriority"] is not False
        return data


class ExternalCompleteBody(_Strict):
    workerId = fields.String(required=True)
    variables = _variables()
    localVariables = _variables()


class ExternalFailureBody(_Strict):
    workerId = fields.String(required=True)
    errorMessage = fields.String(load_default=None, allow_none=True)
    errorDetails = fields.String(load_default=None, allow_none=True)
    retries = fields.Integer(load_default=0, validate=validate.Range(min=0))
    retryTimeout = fields.Integer(load_default=0, validate=validate.Range(min=0))
    variables = Refused({}, reason="失败时设置变量尚不支持")
    localVariables = Refused({}, reason="失败时设置变量尚不支持")


class BpmnErrorBody(_Strict):
    workerId = fields.String(required=True)
    errorCode = fields.String(required=True, validate=validate.Length(min=1))
    errorMessage = fields.String(load_default=None, allow_none=True)
    variables = _variables()


class TaskBpmnErrorBody(_Strict):
    errorCode = fields.String(required=True, validate=validate.Length(min=1))
    errorMessage = fields.String(load_default=None, allow_none=True)
    variables = _variables()


class TaskEscalationBody(_Strict):
    escalationCode = fields.String(required=True, validate=validate.Length(min=1))
    variables = _variables()


class ExtendLockBody(_Strict):
    workerId = fields.String(required=True)
    newDuration = fields.Integer(required=True, validate=validate.Range(min=1))


class DueDateBody(_Strict):
    duedate = CamundaDateTime(required=True, allow_none=True)
    cascade = Refused(False, reason="到期时间级联到后续定时器尚不支持")


class RetriesBody(_Strict):
    retries = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    dueDate = CamundaDateTime(load_default=None, allow_none=True)


class DeleteInstanceArgs(_Strict):
    skipCustomListeners = CamundaBoolean()  # there are no custom (Java) listeners to skip
    skipIoMappings = CamundaBoolean()  # a cancelled activity runs no output mapping here, as in Camunda
    skipSubprocesses = Refused(False, reason="被调用的流程在案件之内，随案件一并取消")
    failIfNotExists = CamundaBoolean(load_default=True)


class DeleteInstancesBody(_Strict):
    processInstanceIds = fields.List(fields.String(), required=True)
    deleteReason = fields.String(load_default=None, allow_none=True)
    skipCustomListeners = CamundaBoolean(load_default=False, allow_none=True)  # no custom (Java) listeners here
    skipIoMappings = CamundaBoolean(load_default=False, allow_none=True)  # a cancellation runs no output mapping
    skipSubprocesses = Refused(False, reason="被调用的流程在案件之内，随案件一并取消")
    processInstanceQuery = Refused(reason="按查询删除尚不支持，请给出 processInstanceIds")
    historicProcessInstanceQuery = Refused(reason="按历史查询删除尚不支持，请给出 processInstanceIds")


class DeserializeArgs(_Strict):
    deserializeValues = CamundaBoolean(load_default=True)


class DeserializeOneArgs(_Strict):
    deserializeValue = CamundaBoolean(load_default=True)


class FormVariablesArgs(DeserializeArgs):
    variableNames = CommaList()


class LockBody(_Strict):
    workerId = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lockDuration = fields.Integer(required=True, validate=validate.Range(min=1, max=7 * 24 * 3600 * 1000))


class RetriesOnlyBody(_Strict):
    retries = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


class ExternalRetriesBody(RetriesOnlyBody):
    externalTaskIds = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=1000))
    processInstanceIds = Refused([], reason="按案件选择外部任务尚不支持，请给出 externalTaskIds")
    externalTaskQuery = Refused(reason="按查询选择外部任务尚不支持，请给出 externalTaskIds")
    processInstanceQuery = Refused(reason="按查询选择外部任务尚不支持，请给出 externalTaskIds")
    historicProcessInstanceQuery = Refused(reason="按查询选择外部任务尚不支持，请给出 externalTaskIds")


class PriorityBody(_Strict):
    priority = fields.Integer(required=True, validate=validate.Range(min=-2**31, max=2**31 - 1))


class TopicNamesArgs(_Strict):
    withLockedTasks = CamundaBoolean(load_default=False)
    withUnlockedTasks = CamundaBoolean(load_default=False)
    withRetriesLeft = CamundaBoolean(load_default=False)


class NoBody(_Strict):
    """An endpoint whose Camunda request has no body: any field sent is refused."""


class TypedValueBody(_Strict):
    """One Camunda typed variable (VariableValueDto); `variables.parse` reads it."""

    value = fields.Raw(allow_none=True)
    type = fields.String(allow_none=True)
    valueInfo = fields.Dict(allow_none=True)


class DeleteDeploymentArgs(_Strict):
    cascade = CamundaBoolean()  # either way a deployment any case ran on is kept (its cases' record is permanent)
    skipCustomListeners = CamundaBoolean()  # there are no custom (Java) listeners to skip
    skipIoMappings = CamundaBoolean()


class PageOnlyArgs(_Strict):
    firstResult = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    maxResults = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10000))


def _group_filters(post: bool) -> dict:
    listed = fields.List(fields.String(), allow_none=True) if post else CommaList()
    return {"id": fields.String(allow_none=post), "idIn": listed, "name": fields.String(allow_none=post),
            "nameLike": fields.String(allow_none=post), "type": fields.String(allow_none=post),
            "member": fields.String(allow_none=post),
            "memberOfTenant": Refused(reason="组是各县共用的角色，不属于任何县（租户）")}


_GROUP_SORT = {"sortBy": fields.String(validate=validate.OneOf(["id", "name", "type"])),
               "sortOrder": fields.String(validate=validate.OneOf(["asc", "desc"]))}
GroupQueryArgs = _Strict.from_dict({**_group_filters(False), **_GROUP_SORT, **PageOnlyArgs._declared_fields},
                                   name="GroupQuery")
GroupCountArgs = _Strict.from_dict(_group_filters(False), name="GroupCountQuery")
GroupSorting = _Strict.from_dict({k: fields.String(required=True, validate=f.validate) for k, f in _GROUP_SORT.items()},
                                 name="GroupSorting")
GroupQueryBody = _Strict.from_dict({**_group_filters(True),
                                    "sorting": fields.List(fields.Nested(GroupSorting), allow_none=True)},
                                   name="GroupQueryBody")


class IdentityGroupsArgs(_Strict):
    userId = fields.String(required=True)


class IdentityLinkArgs(_Strict):
    type = fields.String(validate=validate.OneOf(["assignee", "candidate", "owner"]))


class SuspensionBody(_Strict):
    suspended = CamundaBoolean(required=True)


class CasesSuspensionBody(SuspensionBody):
    processDefinitionId = fields.String(load_default=None, allow_none=True)
    processDefinitionKey = fields.String(load_default=None, allow_none=True)
    processInstanceIds = fields.List(fields.String(), load_default=None, allow_none=True)
    processDefinitionTenantId = Refused(reason="按流程定义的租户挂起案件尚不支持")
    processDefinitionWithoutTenantId = Refused(False, reason="按流程定义的租户挂起案件尚不支持")
    processInstanceQuery = Refused(reason="按查询挂起尚不支持，请给出 processInstanceIds 或流程定义")
    historicProcessInstanceQuery = Refused(reason="按查询挂起尚不支持，请给出 processInstanceIds 或流程定义")

    @validates_schema
    def _one_selection(self, data, **kwargs):
        chosen = [k for k in ("processDefinitionId", "processDefinitionKey", "processInstanceIds") if data.get(k)]
        if len(chosen) != 1:
            raise ValidationError("须且只能给出 processInstanceIds、processDefinitionId、processDefinitionKey 之一",
                                  "processInstanceIds")


class DefinitionSuspensionBody(SuspensionBody):
    processDefinitionId = fields.String(load_default=None, allow_none=True)
    processDefinitionKey = fields.String(load_default=None, allow_none=True)
    includeProcessInstances = CamundaBoolean(load_default=False, allow_none=True)
    executionDate = Refused(reason="不支持定时挂起或激活")


class ModificationInstruction(_Strict):
    """One instruction of Camunda's process-instance modification (app/engine/moves.py)."""

    type = fields.String(required=True, validate=validate.OneOf(["cancel", "startBeforeActivity",
                                                                 "startAfterActivity", "startTransition"]))
    activityId = fields.String(load_default=None, allow_none=True)
    activityInstanceId = fields.String(load_default=None, allow_none=True)
    variables = fields.Dict(load_default=dict, allow_none=True)  # TriggerVariableValueDto each; `local` refused
    transitionId = Refused(reason="不支持按顺序流开始，请用 startAfterActivity")
    transitionInstanceId = Refused(reason="本服务没有过渡实例")
    ancestorActivityInstanceId = fields.String(load_default=None, allow_none=True)  # only the case itself
    cancelCurrentActiveActivityInstances = Refused(False, reason="不支持")

    @validates_schema
    def _no_transition(self, data, **kwargs):
        if data.get("type") == "startTransition":
            raise ValidationError("不支持按顺序流开始（startTransition），请用 startAfterActivity", "type")


class InstanceModificationBody(_Strict):
    instructions = fields.List(fields.Nested(ModificationInstruction), required=True)
    skipCustomListeners = Refused(False, reason="监听器是流程的一部分，不能跳过")
    skipIoMappings = Refused(False, reason="输入输出映射是流程的一部分，不能跳过")
    annotation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class ModificationBody(InstanceModificationBody):
    processDefinitionId = fields.String(required=True)
    processInstanceIds = fields.List(fields.String(), required=True)
    processInstanceQuery = Refused(reason="按查询调整尚不支持，请给出 processInstanceIds")
    historicProcessInstanceQuery = Refused(reason="按查询调整尚不支持，请给出 processInstanceIds")


class MigrationInstruction(_Strict):
    sourceActivityIds = fields.List(fields.String(), required=True, validate=validate.Length(equal=1))
    targetActivityIds = fields.List(fields.String(), required=True, validate=validate.Length(equal=1))
    updateEventTrigger = Refused(False, reason="迁移保留原有的计时器和消息订阅，不能更新事件触发器")


class MigrationPlanBody(_Strict):
    sourceProcessDefinitionId = fields.String(required=True)
    targetProcessDefinitionId = fields.String(required=True)
    instructions = fields.List(fields.Nested(MigrationInstruction), required=True)
    variables = fields.Dict(load_default=dict, allow_none=True)


class MigrationGenerationBody(_Strict):
    sourceProcessDefinitionId = fields.String(required=True)
    targetProcessDefinitionId = fields.String(required=True)
    updateEventTriggers = Refused(False, reason="迁移保留原有的计时器和消息订阅，不能更新事件触发器")
    variables = fields.Dict(load_default=dict, allow_none=True)


class MigrationExecutionBody(_Strict):
    migrationPlan = fields.Nested(MigrationPlanBody, required=True)
    processInstanceIds = fields.List(fields.String(), required=True)
    processInstanceQuery = Refused(reason="按查询迁移尚不支持，请给出 processInstanceIds")
    skipCustomListeners = Refused(False, reason="监听器是流程的一部分，不能跳过")
    skipIoMappings = Refused(False, reason="输入输出映射是流程的一部分，不能跳过")


class CommentBody(_Strict):
    message = fields.String(required=True)
    processInstanceId = fields.String(load_default=None, allow_none=True)


class TriggerBody(_Strict):
    variables = fields.Dict(load_default=dict, allow_none=True)


class IdentityLinkBody(_Strict):
    userId = fields.String(load_default=None, allow_none=True)
    groupId = fields.String(load_default=None, allow_none=True)
    type = fields.String(required=True)
