"""The 特困 process end to end: 初审 within 15 wd, optional 民主评议, 公示 with a re-investigation loop,
county 认定 within 15 wd of the files arriving, support from the following month."""


import pytest

from tests.support import scenarios
from tests.support.case_steps import TekunCase, published
from tests.support.dibao_steps import unique_id_number


def test_approval_path_with_appraisal_spot_check_and_support_from_next_month(login_as, clock):
    scenarios.tekun_approval_with_appraisal(login_as, clock)


def test_without_appraisal_or_spot_check_the_case_goes_straight_to_publicity(login_as, clock):
    scenarios.tekun_straight_to_publicity(login_as, clock)


def test_objection_forces_reinvestigation_a_new_review_and_a_second_publicity(login_as, clock):
    scenarios.tekun_objection(login_as, clock)


def test_township_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    scenarios.tekun_township_rejection(login_as, clock)


def test_county_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    scenarios.tekun_county_rejection(login_as, clock)


def test_support_must_start_the_month_after_confirmation(login_as, clock):
    case = published(login_as, clock)
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
    case = published(login_as, clock)
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
    values = {"applicant_name": "王秀英", "id_number": unique_id_number(born="19480307"), "age": 78,
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
