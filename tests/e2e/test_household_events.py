"""Events a household can trigger over HTTP: a tip-off (`household_report`, from the window, the village or the
12345 hotline) on a paid 低保 or 特困 case starts its re-check at once; a 特困 person's death ends support with a
termination notice; a household that needs no cash is taken in at the window for referrals only."""

import json
import uuid
from datetime import UTC, datetime

from tests.support.case_steps import TekunCase
from tests.support.dibao_steps import Case, valid_id_number
from tests.support.dynamic_steps import supported
from tests.support.notice_steps import dibao_approved
from tests.support.payroll_steps import Finance, Supported, new_county
from tests.support.web_client import Web


def report(login_as, user: str, case, text: str = "该户在县城经营门店，收入明显高于申报"):
    return login_as(user).post("/message", {
        "messageName": "household_report", "businessKey": case.business_key,
        "processVariables": {"report_channel": {"value": "12345", "type": "String"},
                             "report_text": {"value": text, "type": "String"}}})


def test_a_tip_off_on_a_paid_dibao_case_starts_its_recheck_at_once(login_as, clock):
    case = dibao_approved(login_as)
    clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))  # Tue 12-15, months before the periodic re-check
    assert report(login_as, "investigator_cg", case).status_code == 403  # reporters: window, village, hotline
    assert report(login_as, "hotline", case).status_code == 204
    assert case.activities() == ["recheck_investigation"]
    assert login_as("supervisor").get("/job", processInstanceId=case.id).json == []  # the periodic timer is off
    assert case.task("investigator_cg", "recheck_investigation")["due"] == "2026-12-29T23:59:59.000+0800"  # 10 wd
    variables = case.variables()
    assert (variables["recheck_reason"], variables["report_text"]) == ("report", "该户在县城经营门店，收入明显高于申报")
    case.complete("investigator_cg", "recheck_investigation", visitors="李四,王五", per_capita_income=420.0,
                  recheck_findings="门店为亲戚所有，举报不实")
    case.complete("county_reviewer", "recheck_decision", recheck_result="keep")
    assert case.activities() == ["recheck_wait"]


def test_a_tip_off_on_a_paid_tekun_case_starts_its_recheck_and_an_unpaid_case_refuses_it(login_as, clock):
    case = supported(login_as)
    clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    assert report(login_as, "village_cg", case, "子女已返乡务工").status_code == 204
    assert case.activities() == ["recheck_investigation"]
    assert case.variables()["recheck_reason"] == "report"
    pending = TekunCase(login_as)  # not yet in payment: nothing to re-check
    pending.accept()
    response = report(login_as, "window_cg", pending)
    assert response.status_code == 400 and response.json["field"] == "messageName"


def test_a_tekun_persons_death_ends_support_from_the_month_after_with_a_termination_notice(
        client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    person, other = Supported(login_as, county).approve(), Supported(login_as, county).approve()
    run, _ = finance.paid("2026-10")
    assert run["lines"] == 2
    clock.set(datetime(2026, 10, 12, 2, 0, tzinfo=UTC))
    window = login_as(county.user("window"))
    death = {"messageName": "household_member_died", "businessKey": person.business_key}
    refused = window.post("/message", death)  # a termination needs the day of death
    assert refused.status_code == 422 and refused.json["element"] == "record_death", refused.json
    died_on = {"died_on": {"value": "2026-10-10", "type": "String"}}
    assert window.post("/message", {**death, "processVariables": died_on}).status_code == 204
    handover = person.task("window", "death_termination_notice")
    notices = window.client.get(f"/api/cases/{person.id}/notices", headers=window.headers).json
    [notice] = [n for n in notices if n["taskId"] == handover["id"]]
    assert notice["kind"] == "termination"
    for phrase in ("终止特困人员救助供养决定书", "王秀英", "的近亲属（监护人）", "特困人员王秀英已死亡",
                   "自2026年11月起终止", "原供养金额：每月 1140.00 元", "60日内", "申请行政复议", "6个月内"):
        assert phrase in notice["text"], (phrase, notice["text"])
    person.complete("window", "death_termination_notice", notice_delivered=True)
    assert window.get(f"/history/process-instance/{person.id}").json["state"] == "COMPLETED"
    clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    run, lines = finance.paid("2026-11")
    assert {line["caseId"] for line in lines} == {other.id}  # nothing paid from the month after the death
    assert {s["caseId"] for s in run["stopped"]} == {person.id}


def test_a_household_needing_only_referrals_is_taken_in_at_the_window(app, login_as, clock):
    page = Web(app, "window_cg").get("/cases/new").text
    assert "referral_intake" in page and 'value="referral"' not in page  # the per-need referral is started by cases
    case = Case.__new__(Case)
    case.login_as, case.business_key = login_as, f"ZJ-{uuid.uuid4().hex[:12]}"
    started = login_as("window_cg").post("/process-definition/key/referral_intake/start",
                                         {"businessKey": case.business_key})
    assert started.status_code == 200, started.json
    case.id = started.json["id"]
    household = {"applicant_name": "赵红", "id_number": valid_id_number("11010119850505123")}
    response = case.submit("window_cg", "accept", **household, needs=[])
    assert response.status_code == 400 and response.json["field"] == "needs"
    case.complete("window_cg", "accept", **household, needs=["医疗", "就业"], note="慢性病，失业")
    for user, activity, answer in (
            ("dept_medical_user", "referral_accept", {"referral_decision": "accept"}),
            ("dept_medical_user", "referral_feedback", {"outcome": "已救助", "amount_or_service": "门诊慢特病报销",
                                                        "feedback_date": "2026-10-09"}),
            ("dept_employment_user", "referral_accept", {"referral_decision": "accept"}),
            ("dept_employment_user", "referral_feedback", {"outcome": "已服务", "amount_or_service": "公益性岗位",
                                                           "feedback_date": "2026-10-12"})):
        case.complete(user, activity, **answer)
    inform = case.task("window_cg", "inform_applicant")
    assert inform["candidateGroups"] == ["window"]
    referrals = json.loads(case.variables()["referrals"])
    assert sorted((r["dept"], r["outcome"]) for r in referrals) == [("dept_employment", "已服务"),
                                                                    ("dept_medical", "已救助")]
    case.complete("window_cg", "inform_applicant", applicant_informed=True, inform_note="电话告知，申请人无异议")
    assert case.history()["state"] == "COMPLETED"
