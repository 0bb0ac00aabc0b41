"""Walks over HTTP that reach each notice of a decision in 低保, 特困 and 临时救助; each returns the case and
the handover task that opened with the notice."""

from datetime import UTC, datetime

from tests.support.dibao_steps import Case, unique_id_number

RIGHTS = ("60日内向示范县人民政府申请行政复议", "6个月内直接向示范县人民法院提起行政诉讼")


class TekunWalk(Case):
    KEY, PREFIX = "tekun", "TK"

    def accept(self, **overrides):
        values = {"applicant_name": "王秀英", "id_number": unique_id_number(born="19480307"), "age": 78,
                  "work_capacity": "none", "disability_grade": "2", "income": 0.0, "has_able_supporter": False}
        return self.complete("window_cg", "accept", **{**values, **overrides})

    def to_confirmation(self):
        self.accept()
        self.complete("investigator_cg", "investigation", visitors="李四,王五", findings="独居，无劳动能力")
        self.verify()
        self.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
        self.fire("publicity")


class LinshiWalk(Case):
    KEY, PREFIX = "linshi", "LS"

    def accept(self, **overrides):
        values = {"applicant_name": "李梅", "id_number": unique_id_number(), "kind": "支出", "amount": 3000.0,
                  "reason": "突发重病住院，自付医疗费用较高"}
        return self.complete("window_cg", "accept", **{**values, **overrides})

    def to_approval(self):
        self.accept()
        self.complete("investigator_cg", "investigation", visitors="李四,王五", findings="住院自付费用属实")
        self.verify()
        self.fire("publicity")


def dibao_reviewed(login_as) -> Case:
    case = Case(login_as)
    case.accept()
    case.investigate()
    return case


def dibao_approved(login_as) -> Case:
    """Approved at ¥1,140 a month on 2026-09-28, paid from 2026-10, the approval notice handed over: waiting for its
    re-check."""
    case = dibao_reviewed(login_as)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    case.complete("finance", "payment", first_payment_month=case.variables()["payment_from"])
    case.hand_over("approval_notice")
    return case


def dibao_rechecked(login_as, clock, **decision) -> Case:
    """A re-check a year after approval (2027-09-28), decided by the county with `decision`."""
    case = dibao_approved(login_as)
    clock.set(datetime(2027, 9, 28, 2, 0, tzinfo=UTC))
    case.fire("recheck_timer")
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", per_capita_income=600.0,
                  recheck_findings="户主已就业，收入增加")
    case.complete("county_reviewer", "recheck_decision", **decision)
    return case


def not_accepted(case: Case) -> tuple[Case, str]:
    case.accept(not_accepted=True, not_accepted_reason="申请人户籍不在本乡镇，应向户籍所在地提出申请")
    return case, "not_accepted_notice"


def dibao_refusal(login_as, clock):
    case = dibao_reviewed(login_as)
    case.complete("reviewer_cg", "township_review", opinion="reject", reason="家庭人均收入高于当地最低生活保障标准")
    return case, "refusal_notice"


def dibao_approval(login_as, clock):
    case = dibao_reviewed(login_as)
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    case.complete("finance", "payment", first_payment_month=case.variables()["payment_from"])
    return case, "approval_notice"


def dibao_reduction(login_as, clock):
    return dibao_rechecked(login_as, clock, recheck_result="change", amount=300.0,
                           reason="户主已就业，家庭人均收入增加"), "recheck_notice"


def dibao_raise(login_as, clock):
    return dibao_rechecked(login_as, clock, recheck_result="change", amount=1500.0,
                           reason="家庭成员患重病，支出增加"), "recheck_notice"


def dibao_stop(login_as, clock):
    return dibao_rechecked(login_as, clock, recheck_result="stop", reason="家庭人均收入超过当地低保标准"), \
        "recheck_notice"


def dibao_gradual_exit(login_as, clock):
    return dibao_rechecked(login_as, clock, recheck_result="gradual_exit", gradual_exit_months=3,
                           reason="户主就业，家庭人均收入超过标准"), "recheck_notice"


def dibao_recovery(login_as, clock):
    case = dibao_rechecked(login_as, clock, recheck_result="fraud", reason="复核发现隐瞒营运车辆，虚报家庭收入")
    case.complete("finance", "recovery", recovery_amount=5400.0, recovery_note="责令退回已领取的保障金")
    return case, "recovery_notice"


def dibao_not_accepted(login_as, clock):
    return not_accepted(Case(login_as))


def tekun_refusal(login_as, clock):
    case = TekunWalk(login_as)
    case.to_confirmation()
    case.complete("county_reviewer", "county_confirmation", decision="reject", reason="子女具备赡养能力")
    return case, "refusal_notice"


def tekun_confirmed(login_as) -> TekunWalk:
    case = TekunWalk(login_as)
    case.to_confirmation()
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="全自理")
    return case


def tekun_approval(login_as, clock):
    case = tekun_confirmed(login_as)
    case.complete("finance", "support_start", first_support_month=case.variables()["support_from"])
    return case, "approval_notice"


def tekun_termination(login_as, clock):
    case = tekun_confirmed(login_as)
    case.complete("finance", "support_start", first_support_month=case.variables()["support_from"])
    case.hand_over("approval_notice")
    clock.set(datetime(2027, 9, 28, 2, 0, tzinfo=UTC))
    case.fire("recheck_timer")
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", recheck_findings="子女返乡")
    case.complete("county_reviewer", "recheck_decision", recheck_result="stop", reason="子女返乡，具备赡养能力")
    clock.set(datetime(2027, 10, 6, 2, 0, tzinfo=UTC))
    case.fire("termination_publicity")
    return case, "termination_notice"


def tekun_recovery(login_as, clock):
    case = TekunWalk(login_as)
    case.to_confirmation()
    case.complete("county_reviewer", "county_confirmation", decision="fraud", reason="隐瞒子女赡养能力")
    case.complete("finance", "recovery", recovery_amount=0.0, recovery_note="尚未供养，纳入失信记录")
    return case, "recovery_notice"


def tekun_not_accepted(login_as, clock):
    return not_accepted(TekunWalk(login_as))


def linshi_refusal(login_as, clock):
    case = LinshiWalk(login_as)
    case.to_approval()
    case.complete("reviewer_cg", "township_approval", decision="reject", reason="医疗费用已由医保报销，家庭可以承担")
    return case, "refusal_notice"


def linshi_approval(login_as, clock):
    case = LinshiWalk(login_as)
    case.to_approval()
    case.complete("reviewer_cg", "township_approval", decision="approve", approved_amount=2800.0, installments=1)
    return case, "approval_notice"


def linshi_not_accepted(login_as, clock):
    return not_accepted(LinshiWalk(login_as))
