"""Case data as a page shows it: Chinese labels from the deployed forms, county settings apart."""

from app.domain.county_settings import SETTINGS
from app.services.page_reads import form_labels
from app.services.runtime import Runtime

from .format import ROLE_NAMES

# county settings copied into a case at start: shown apart from the applicant's facts
SETTING_LABELS = {"township_decides": "审核确认权下放镇街", "documentation_days": "事后补充说明时限（工作日）",
                  "township_approval_limit": "镇街审批限额（元）", "dibao_standard": "低保标准（元/月）",
                  "referral_accept_days": "转介受理时限（工作日）", "referral_feedback_days": "转介反馈时限（工作日）"}
OTHER_LABELS = {"accepted_at": "受理时间", "decided_at": "决定时间", "verification_result": "信息核对结果",
                "objection_raised": "公示期有异议", "referrals": "转介", "village": "村（社区）",
                "overall_limit": "办结时限（工作日）", "decision_due": "审核确认期限", "decision_group": "审核确认岗位",
                "approved_at": "批准时间", "review_due": "初审期限", "confirmed_at": "认定时间",
                "household_class": "家庭类别", "classified_at": "类别认定时间", "tekun_suggested": "建议按特困人员认定",
                "review_stage": "审核阶段", "files_received_at": "县级收到材料时间", "review_from": "初审时限起算时间",
                "recheck_reason": "复核原因", "recheck_due": "复核期限", "recheck_decided_at": "复核决定时间"}


def variable_labels(rt: Runtime) -> dict[str, str]:
    """Map variable names to their labels: the service's own, else those the deployed forms give them."""
    return {**form_labels(rt), **{key: s.meaning for key, s in SETTINGS.items()}, **SETTING_LABELS, **OTHER_LABELS}


def case_facts(shown: dict, labels: dict[str, str], places: dict[str, str]) -> list[tuple[str, str, object]]:
    """Return (name, label, value) of case data as the actor may see it, the applicant's facts first."""
    shown = dict(shown)
    if shown.get("village") in places:
        shown["village"] = places[shown["village"]]
    if shown.get("decision_group") in ROLE_NAMES:
        shown["decision_group"] = ROLE_NAMES[shown["decision_group"]]
    settings_keys = set(SETTINGS)
    facts = [(k, labels.get(k, k), v) for k, v in shown.items() if k not in settings_keys and k != "referrals"]
    settings = [(k, labels.get(k, k), v) for k, v in shown.items() if k in settings_keys]
    return facts + settings
