"""marshmallow schemas for every request body and query string of the engine API."""

from datetime import date, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


def _dt():
    return fields.AwareDateTime(format="iso", default_timezone=None)


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)  # moved to UTC or China time, still a valid date


def in_range(value: date | datetime) -> None:
    """Refuse a date or moment too far out for every time zone and database to hold."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"须在 {FIRST_DAY.year}–{LAST_DAY.year} 年之间")


def _iso_moment(value: str) -> None:
    """Accept an ISO-8601 date or date-time as Camunda writes it (2026-09-28T10:00:00.000+0800)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise ValidationError("须为 ISO-8601 日期时间，如 2026-09-28T10:00:00.000+0800") from err
    in_range(moment)


class Paging(_Strict):
    firstResult = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))  # fits every SQL offset
    maxResults = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10000))


class TaskQuery(Paging):
    processInstanceId = fields.String()
    processInstanceBusinessKey = fields.String()
    processDefinitionKey = fields.String()
    taskDefinitionKey = fields.String()
    candidateGroup = fields.String()
    assignee = fields.String()
    unassigned = fields.Boolean()
    dueBefore = fields.String(validate=_iso_moment)
    dueAfter = fields.String(validate=_iso_moment)
    sortBy = fields.String(validate=validate.OneOf(["dueDate", "created", "priority", "name", "id"]))
    sortOrder = fields.String(validate=validate.OneOf(["asc", "desc"]))


class VariablesBody(_Strict):
    variables = fields.Dict(load_default=dict)
    withVariablesInReturn = fields.Boolean(load_default=False)


class StartBody(VariablesBody):
    businessKey = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class UserIdBody(_Strict):
    userId = fields.String(required=True, allow_none=True)


class MessageBody(_Strict):
    messageName = fields.String(required=True, validate=validate.Length(min=1))
    businessKey = fields.String(load_default=None, allow_none=True)
    processInstanceId = fields.String(load_default=None, allow_none=True)
    processVariables = fields.Dict(load_default=dict)
    resultEnabled = fields.Boolean(load_default=False)
    variablesInResultEnabled = fields.Boolean(load_default=False)


class VariableModifications(_Strict):
    modifications = fields.Dict(required=True)
    deletions = fields.List(fields.String(), load_default=list, validate=validate.Length(max=0))


class TopicSchema(_Strict):
    topicName = fields.String(required=True)
    lockDuration = fields.Integer(required=True, validate=validate.Range(min=1, max=7 * 24 * 3600 * 1000))
    variables = fields.List(fields.String(), load_default=None, allow_none=True)  # None: all the topic declares


class FetchAndLockBody(_Strict):
    workerId = fields.String(required=True, validate=validate.Length(min=1, max=200))
    maxTasks = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000))
    usePriority = fields.Boolean(load_default=True)
    asyncResponseTimeout = fields.Integer(load_default=None, allow_none=True)
    topics = fields.List(fields.Nested(TopicSchema), required=True)


class ExternalCompleteBody(_Strict):
    workerId = fields.String(required=True)
    variables = fields.Dict(load_default=dict)
    localVariables = fields.Dict(load_default=dict)


class ExternalFailureBody(_Strict):
    workerId = fields.String(required=True)
    errorMessage = fields.String(load_default=None, allow_none=True)
    errorDetails = fields.String(load_default=None, allow_none=True)
    retries = fields.Integer(load_default=0, validate=validate.Range(min=0))
    retryTimeout = fields.Integer(load_default=0, validate=validate.Range(min=0))


class BpmnErrorBody(_Strict):
    workerId = fields.String(required=True)
    errorCode = fields.String(required=True, validate=validate.Length(min=1))
    errorMessage = fields.String(load_default=None, allow_none=True)
    variables = fields.Dict(load_default=dict)


class ExtendLockBody(_Strict):
    workerId = fields.String(required=True)
    newDuration = fields.Integer(required=True, validate=validate.Range(min=1))


class DueDateBody(_Strict):
    duedate = fields.AwareDateTime(required=True, allow_none=True, validate=in_range)


class RetriesBody(_Strict):
    retries = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


class InstanceQuery(Paging):
    processDefinitionKey = fields.String()
    businessKey = fields.String()
    active = fields.Boolean()


class HistoryQuery(Paging):
    processInstanceId = fields.String()
    processDefinitionKey = fields.String()
    activityId = fields.String()
    taskDefinitionKey = fields.String()
    finished = fields.Boolean()
    unfinished = fields.Boolean()


class JobQuery(Paging):
    processInstanceId = fields.String()
    activityId = fields.String()
    dueDates = fields.String()
    withException = fields.Boolean()


class DefinitionQuery(Paging):
    key = fields.String()
    latestVersion = fields.Boolean()
