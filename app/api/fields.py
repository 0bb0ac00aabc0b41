"""marshmallow fields for Camunda's values (its date format, comma lists, date comparisons), and the strict schema."""

import operator
from datetime import date, datetime

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from app.domain.clock import CHINA_TZ

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)  # moved to UTC or China time, still a valid date
# Camunda skips an empty list where `IN ()` would select nothing; here it is refused, naming the parameter
SOME_VALUES = validate.Length(min=1, error="至少须有一个值（空列表 Camunda 不作筛选，此处不予受理）")
DATE_HELP = "须为 Camunda 日期格式 yyyy-MM-dd'T'HH:mm:ss.SSSZ，如 2026-09-28T10:00:00.000+0800"


def parse_camunda_date(value) -> datetime:
    """Read Camunda's date (2026-09-28T10:00:00.000+0800) or another ISO-8601 form; without a zone, China time."""
    if not isinstance(value, str):
        raise ValidationError(DATE_HELP)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise ValidationError(DATE_HELP) from err
    in_range(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def in_range(value: date | datetime) -> None:
    """Refuse a date or moment too far out for every time zone and database to hold."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"须在 {FIRST_DAY.year}–{LAST_DAY.year} 年之间")


class CamundaDateTime(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        return parse_camunda_date(value)


class CamundaBoolean(fields.Boolean):
    """A flag as Camunda reads it: `true` or `false` in any case (a query string, Boolean.valueOf), a JSON boolean,
    0 or 1 (Jackson's coercion). Camunda reads every other text as false where marshmallow reads `1`, `yes` or `on`
    as true: such a text is refused, naming the flag, rather than answered otherwise than Camunda answers."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value)
        raise self.make_error("invalid")


class CommaList(fields.Field):
    """A GET list parameter: comma-separated values (`processInstanceIdIn=a,b`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("须为逗号分隔的值")
        return [part for part in value.split(",") if part]


_OPERATORS = {"lt": operator.lt, "gt": operator.gt, "lteq": operator.le, "gteq": operator.ge, "eq": operator.eq}


class Comparisons(fields.Field):
    """Dates compared by operator: `lt_2026-…,gt_2026-…` (GET) or `[{"operator": "lt", "value": "…"}]` (POST)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            pairs = [part.split("_", 1) for part in value.split(",") if part]
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            pairs = [[v.get("operator"), v.get("value")] for v in value]
        else:
            raise ValidationError("须为 lt_日期,gt_日期 或 [{operator, value}]")
        if not pairs:
            raise ValidationError("至少须有一个比较，如 lt_2026-09-28T10:00:00.000+0800")
        out = []
        for pair in pairs:
            if len(pair) != 2 or pair[0] not in _OPERATORS:
                raise ValidationError(f"比较符须为 {', '.join(_OPERATORS)} 之一，如 lt_2026-09-28T10:00:00.000+0800")
            out.append((_OPERATORS[pair[0]], parse_camunda_date(pair[1])))
        return out


UNKNOWN = "不支持此参数（Camunda 定义的参数本服务未实现，或不是 Camunda 的参数）"


class StrictSchema(Schema):
    """Refuses every field it does not declare, naming it; a field it does not declare sent as null is
    taken as not sent (clients that send every field of Camunda's DTO send null for what they do not ask)."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN}

    @pre_load
    def _absent_when_null(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None or k in self.load_fields}
        return data
