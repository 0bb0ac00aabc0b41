"""The 特困 process end to end: 初审 within 15 wd, optional 民主评议, 公示 with a re-investigation loop,
county 认定 within 15 wd of the files arriving, support from the following month."""


import pytest

from tests.e2e.case_steps import TekunCase
from tests.e2e.dibao_steps import valid_id_number


def _published(login_as, clock) -> TekunCase:
    """A case through 初审 and a 公示 that ended on Tue 10/6 (a 国庆 holiday)."""
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    clock.advance(days=8)
    case.fire("publicity")
    return case


def test_approval_path_with_appraisal_spot_check_and_support_from_next_month(login_as, clock):
    case = TekunCase(login_as)
    assert case.task("window_cg", "accept")["candidateGroups"] == ["window"]
    case.accept()
    assert case.variables()["work_capacity"] == "none"  # recorded; the reviewers decide eligibility
    # accepted Mon 9/28: 9/29, 9/30, after 国庆 10/8, 10/9, the 调休 Saturday 10/10, then 10/12-10/16: the
    # county's tekun_investigation_days (10) inside the 15 wd of 初审
    assert case.task("investigator_cg", "investigation")["due"] == "2026-10-16T23:59:59.000+0800"
    case.investigate()
    review = case.task("reviewer_cg", "township_review")
    assert review["candidateGroups"] == ["township_reviewer"]
    assert review["due"] == "2026-10-23T23:59:59.000+0800"  # 初审 within 15 working days of 受理
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=True)
    assert case.task("village_cg", "democratic_appraisal")["candidateGroups"] == ["village"]
    case.complete("village_cg", "democratic_appraisal", participants="赵六,钱七,孙八", appraisal_result="support",
                  appraisal_minutes="一致认为符合特困条件")
    assert case.activities() == ["publicity_gateway"]
    assert case.job("publicity")["dueDate"] == "2026-10-05T23:59:59.000+0800"  # seven calendar days
    clock.advance(days=8)
    case.fire("publicity")
    county = case.task("county_reviewer", "county_confirmation")
    assert county["candidateGroups"] == ["county_reviewer"]
    # files received Tue 10/6 (holiday): 10/8, 10/9, 10/10 (调休), 10/12-16, 10/19-23, 10/26, 10/27
    assert county["due"] == "2026-10-27T23:59:59.000+0800"
    clock.set(clock.moment.replace(day=27))
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="全自理",
                  spot_checked=True, spot_check_visitors="周九,吴十", spot_check_findings="入户核实属实")
    variables = case.variables()
    assert variables["support_from"] == "2026-11"
    assert variables["spot_checked"] is True  # the county's ≥ 30 % spot-check rate is counted from this
    assert case.task("finance", "support_start")["candidateGroups"] == ["finance"]
    case.complete("finance", "support_start", first_support_month="2026-11")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]  # 动态管理: yearly re-check (test_dynamic_tekun.py)
    assert case.job("recheck_timer")["dueDate"] == "2027-10-27T23:59:59.000+0800"


def test_without_appraisal_or_spot_check_the_case_goes_straight_to_publicity(login_as, clock):
    case = TekunCase(login_as)
    case.accept(age=12, work_capacity="limited", disability_grade="")
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve")  # the box left unticked
    assert case.activities() == ["publicity_gateway"]
    case.fire("publicity")
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="centralized",
                  self_care_class="全自理")
    assert case.variables()["spot_checked"] is False
    assert "democratic_appraisal" not in case.visited()


def test_objection_forces_reinvestigation_a_new_review_and_a_second_publicity(login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    first = case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    clock.set(clock.moment.replace(month=10, day=2))  # Fri 10/2, during the 公示 (which ends 10/5)
    case.object_to_publicity()
    assert case.waiting_jobs() == []
    reinvestigation = case.task("investigator_cg", "reinvestigation")
    assert reinvestigation["candidateGroups"] == ["investigator"]
    # the re-investigation has tekun_investigation_days (10) of the new 15 working days from the objection:
    # 10/8, 10/9, 10/10 (调休), 10/12-16, 10/19, 10/20; the new 初审 has all 15: … 10/21-23, 10/26, 10/27
    assert reinvestigation["due"] == "2026-10-20T23:59:59.000+0800"
    clock.set(clock.moment.replace(day=12))
    case.investigate("reinvestigation")
    review = case.task("reviewer_cg", "township_review")
    assert review["id"] != first["id"] and review["due"] == "2026-10-27T23:59:59.000+0800"
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    assert case.job("publicity")["dueDate"] == "2026-10-19T23:59:59.000+0800"  # a second 7-day 公示
    clock.set(clock.moment.replace(day=20))  # Tue 10/20
    case.fire("publicity")
    county = case.task("county_reviewer", "county_confirmation")
    assert county["due"] == "2026-11-10T23:59:59.000+0800"  # 10/21-23, 10/26-30, 11/2-6, 11/9, 11/10
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="centralized",
                  self_care_class="全自理",
                  spot_checked=True, spot_check_visitors="周九,吴十", spot_check_findings="子女无赡养能力")
    case.complete("finance", "support_start", first_support_month="2026-11")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]
    assert case.variables()["objection_raised"] is True
    visited = case.visited()
    assert visited.count("township_review") == 2 and visited.count("publicity") == 1
    assert visited.count("publicity_gateway") == 2 and visited.count("publicity_objection") == 1


def test_township_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    case = TekunCase(login_as)
    case.accept(work_capacity="able", income=2600.0, has_able_supporter=True)
    case.investigate()
    clock.advance(days=1)  # Tue 9/29
    response = case.submit("reviewer_cg", "township_review", opinion="reject")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("reviewer_cg", "township_review", opinion="reject", reason="有劳动能力且有稳定收入")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["candidateGroups"] == ["window"]
    assert notice["due"] == "2026-10-09T23:59:59.000+0800"  # 9/30, 10/8, 10/9
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.state() == "COMPLETED"
    assert not {"publicity_gateway", "county_confirmation"} & set(case.visited())


def test_county_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    case = _published(login_as, clock)
    response = case.submit("county_reviewer", "county_confirmation", decision="reject")
    assert response.status_code == 400 and response.json["field"] == "reason"
    case.complete("county_reviewer", "county_confirmation", decision="reject", reason="抽查发现有法定赡养人")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["due"] == "2026-10-10T23:59:59.000+0800"  # decided Tue 10/6: 10/8, 10/9, 10/10 (调休)
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.state() == "COMPLETED"
    assert "support_start" not in case.visited()


def test_support_must_start_the_month_after_confirmation(login_as, clock):
    case = _published(login_as, clock)
    case.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                  self_care_class="全自理")
    for month in ("2026-10", "2026-12", "2026/11"):
        response = case.submit("finance", "support_start", first_support_month=month)
        assert response.status_code == 400 and response.json["field"] == "first_support_month", month
    case.complete("finance", "support_start", first_support_month="2026-11")
    case.hand_over("approval_notice")
    assert case.activities() == ["recheck_wait"]


@pytest.mark.parametrize(("variables", "field"), [
    ({"decision": "approve"}, "support_type"),
    ({"decision": "approve", "support_type": "居家"}, "support_type"),
    ({"decision": "approve", "support_type": "dispersed"}, "self_care_class"),
    ({"decision": "approve", "support_type": "dispersed", "self_care_class": "全自理", "spot_checked": True,
      "spot_check_visitors": "周九", "spot_check_findings": "属实"}, "spot_check_visitors"),
    ({"decision": "approve", "support_type": "dispersed", "self_care_class": "全自理", "spot_checked": True,
      "spot_check_visitors": "周九,吴十"}, "spot_check_findings"),
])
def test_county_confirmation_refuses_incomplete_decisions(login_as, clock, variables, field):
    case = _published(login_as, clock)
    response = case.submit("county_reviewer", "county_confirmation", **variables)
    assert response.status_code == 400 and response.json["field"] == field
    assert case.activities() == ["county_confirmation"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"id_number": "110101194803071230"}, "id_number"),
    ({"age": -1}, "age"),
    ({"work_capacity": "unknown"}, "work_capacity"),
    ({"income": -5.0}, "income"),
    ({"disability_grade": "五级"}, "disability_grade"),
])
def test_bad_acceptance_input_names_the_field(login_as, clock, overrides, field):
    case = TekunCase(login_as)
    values = {"applicant_name": "王秀英", "id_number": valid_id_number("11010119480307123"), "age": 78,
              "work_capacity": "none", "income": 0.0}
    values.update(overrides)
    response = case.submit("window_cg", "accept", **values)
    assert response.status_code == 400 and response.json["field"] == field
    assert case.activities() == ["accept"]


def test_investigation_needs_two_visitors(login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    response = case.submit("investigator_cg", "investigation", visitors="李四", findings="属实")
    assert response.status_code == 400 and response.json["field"] == "visitors"
