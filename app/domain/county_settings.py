"""County settings: the local figures a county bureau sets by policy, each with its type, default and meaning.

A case copies every setting when it starts, so a running case keeps the rules it began under; no client may
set one in a case (they are server-owned data, like what the diagrams' scripts compute).
"""

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from typing import Any

from .errors import ValidationFailed
from .payroll import BANK_FILE_COLUMNS, DEFAULT_BANK_COLUMNS, bank_columns_problem
from .retention import MAX_DAYS


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type  # bool, int, float (any number) or str
    default: object
    meaning: str
    choices: tuple[Any, ...] = ()
    minimum: float | None = 0
    maximum: float | None = None
    rule: Callable[[object], str | None] | None = None  # says what is wrong with a value of the right kind


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("township_decides", bool, False,
            "低保审核确认权限下放至乡镇（街道）：镇街决定，县级备案并抽查；办结时限 20 个工作日"),
    Setting("tekun_township_decides", bool, False, "特困人员认定权限下放至乡镇（街道）：镇街认定，县级备案并抽查"),
    Setting("linshi_township_decides", bool, True,
            "临时救助乡镇（街道）审批权：是则乡镇审批上限以内（含本数）的由乡镇审批，县级备案并抽查；否则一律报县级"),
    Setting("dibao_spot_check_share", float, 0.3, "镇街审核确认的低保案件由县级抽查的比例（0–1）", maximum=1),
    Setting("tekun_spot_check_share", float, 0.3,
            "镇街认定的特困案件由县级抽查的比例（不低于 30%）", minimum=0.3, maximum=1),
    Setting("linshi_spot_check_share", float, 0.3, "乡镇审批的临时救助案件由县级抽查的比例（0–1）", maximum=1),
    Setting("spot_check_days", int, 10, "县级抽查镇街决定的时限（决定后的工作日）", minimum=1),
    Setting("dibao_standard", float, 800, "城乡低保标准（元/人·月）：家庭类别认定与补差金额据此计算"),
    Setting("dibao_rounding", str, "yuan", "低保补差金额取整（四舍五入）：yuan 到元、jiao 到角、fen 到分",
            choices=("yuan", "jiao", "fen")),
    Setting("dibao_marginal_multiplier", float, 2, "低保边缘家庭的收入上限：低保标准的倍数", minimum=1),
    Setting("expense_deduction_medical", float, 1, "支出型困难：自付医疗费用从家庭收入中扣减的比例（0–1）", maximum=1),
    Setting("expense_deduction_education", float, 1,
            "支出型困难：子女教育费用从家庭收入中扣减的比例（0–1）", maximum=1),
    Setting("expense_deduction_disability", float, 1,
            "支出型困难：残疾康复费用从家庭收入中扣减的比例（0–1）", maximum=1),
    Setting("tekun_basic_standard", float, 1040, "特困人员基本生活标准（元/人·月；不低于低保标准的 1.3 倍）"),
    Setting("tekun_care_standard_self", float, 100, "特困人员照料护理标准：全自理（元/人·月）"),
    Setting("tekun_care_standard_partial", float, 500, "特困人员照料护理标准：半护理（元/人·月）"),
    Setting("tekun_care_standard_full", float, 1000, "特困人员照料护理标准：全护理（元/人·月）"),
    Setting("tekun_investigation_days", int, 10, "特困调查时限（受理或异议后的工作日，须在 15 个工作日的初审时限内）",
            minimum=1, maximum=15),
    Setting("township_approval_limit", float, 10000,
            "乡镇（街道）审批临时救助的单次金额上限（元，含本数：“1万元以下”）"),
    Setting("county_approval_limit", float, 50000, "县民政局审批临时救助的单次金额上限（元，含本数）；以上一事一议"),
    Setting("documentation_days", int, 5, "急难型先行救助后事后补充说明时限（工作日）"),
    Setting("linshi_overall_limit", int, 20, "临时救助（支出型）自受理至审批决定的办结时限（工作日）", minimum=1),
    Setting("linshi_decision_days", int, 5, "临时救助公示期满后审批的时限（工作日）", minimum=1),
    Setting("referral_accept_days", int, 3, "转介部门接收时限（工作日）"),
    Setting("referral_feedback_days", int, 15, "转介部门反馈办理结果时限（工作日，自接收起）"),
    Setting("payroll_day", int, 20, "每月生成次月发放名册的日期（1–28 日）", minimum=1, maximum=28),
    Setting("bank_file_columns", str, ",".join(DEFAULT_BANK_COLUMNS),
            f"银行批量代发文件的列及其顺序（逗号分隔，取自 {'、'.join(BANK_FILE_COLUMNS)}，须含序号和金额）",
            rule=bank_columns_problem),
    # read when a notice of a decision is issued, not as the case started: a notice names the body in force
    Setting("review_body", str, "", "告知书写明的行政复议机关（空：本县人民政府，行政复议法第二十四条）"),
    Setting("court", str, "", "告知书写明的行政诉讼管辖法院（空：本县人民法院）"),
    Setting("history_time_to_live_days", int, 3653,
            "已办结案件档案的保存期限（天，默认 10 年）：流程未设 historyTimeToLive 时，期满的案件归档后从库中移除",
            minimum=1, maximum=MAX_DAYS),
)}


def defaults() -> dict[str, Any]:
    """Return every setting's default value."""
    return {key: setting.default for key, setting in SETTINGS.items()}


def checked_value(key: str, value: Any) -> Any:
    """Return `value` for setting `key`, or raise ValidationFailed naming what is wrong with it."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise ValidationFailed(f"未知的设置项 {key}", field="key")
    if not _of_kind(value, setting.kind):
        names = {bool: "布尔值", int: "整数", float: "数字", str: "文本"}
        raise ValidationFailed(f"设置项 {key} 的值须为{names[setting.kind]}", field="value")
    if setting.choices and value not in setting.choices:
        raise ValidationFailed(f"设置项 {key} 的值须为以下之一：{', '.join(setting.choices)}", field="value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if setting.minimum is not None and value < setting.minimum:
            raise ValidationFailed(f"设置项 {key} 的值不得小于 {setting.minimum}", field="value")
        if setting.maximum is not None and value > setting.maximum:
            raise ValidationFailed(f"设置项 {key} 的值不得大于 {setting.maximum}", field="value")
    problem = setting.rule(value) if setting.rule else None
    if problem:
        raise ValidationFailed(f"设置项 {key}：{problem}", field="value")
    return value


def _of_kind(value: Any, kind: type) -> bool:
    if kind is bool or isinstance(value, bool):
        return kind is bool and isinstance(value, bool)
    if kind is int:
        return isinstance(value, int)
    if kind is float:
        return isinstance(value, Real) and value == value and abs(value) != float("inf")
    return isinstance(value, kind)
