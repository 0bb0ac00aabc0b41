"""Replaying a case's log rebuilds its state at every event, for cases driven through every process path.

Each scenario is one of the end-to-end tests of the three processes, run as written; the
cases it created are then verified and replayed event by event through the audit API.
"""

import pytest
from sqlalchemy import select

from app.domain.actors import SYSTEM
from app.services.case_history import state_at
from app.store.tables import Job, ProcessInstance, Task
from tests.e2e import test_dibao, test_dynamic, test_dynamic_tekun, test_linshi, test_referral, test_tekun

D, L, T, Y, R, K = test_dibao, test_linshi, test_tekun, test_dynamic, test_referral, test_dynamic_tekun
SCENARIOS = {  # name -> (end-to-end test, its extra arguments)
    "dibao approval": (D.test_approval_path_from_accept_to_payment, ()),
    "dibao township rejection": (D.test_township_rejection_ends_with_written_notice_within_three_working_days, ()),
    "dibao objection": (D.test_objection_during_publicity_leads_to_appraisal_and_new_review, ()),
    "dibao incomplete materials": (D.test_incomplete_materials_get_one_notice_then_return_to_accept, ()),
    "dibao failed match": (D.test_failed_match_is_told_to_the_applicant_and_an_objection_forces_a_recheck, ()),
    "dibao township decides": (D.test_where_the_township_decides_its_reviewer_decides_within_20_working_days, ()),
    "dibao objection beats late timer": (D.test_objection_after_the_due_time_but_before_the_timer_job_wins_alone, ()),
    "linshi 急难": (L.test_emergency_pays_first_and_documents_afterwards_within_five_working_days, ()),
    "linshi 急难 overdue escalation": (L.test_overdue_documentation_escalates_to_the_supervisor_without_closing_it, ()),
    "linshi 支出 township tier": (L.test_expense_amount_decides_the_approval_tier,
                                (9999.99, "township_approval", "reviewer_cg", "township")),
    "linshi 支出 deliberation tier": (L.test_expense_amount_decides_the_approval_tier,
                                    (50000, "deliberation", "county_reviewer", "deliberation")),
    "linshi 支出 staged payment": (L.test_approval_in_two_stages_pays_two_installments, ()),
    "linshi rejection": (L.test_rejection_ends_with_written_notice_within_three_working_days, ()),
    "linshi objection": (L.test_objection_during_publicity_leads_to_appraisal_and_new_investigation, ()),
    "tekun approval with appraisal": (T.test_approval_path_with_appraisal_spot_check_and_support_from_next_month, ()),
    "tekun straight to publicity": (T.test_without_appraisal_or_spot_check_the_case_goes_straight_to_publicity, ()),
    "tekun objection": (T.test_objection_forces_reinvestigation_a_new_review_and_a_second_publicity, ()),
    "tekun township rejection": (T.test_township_rejection_ends_with_written_notice_within_three_working_days, ()),
    "tekun county rejection": (T.test_county_rejection_ends_with_written_notice_within_three_working_days, ()),
    "tekun re-assessment": (K.test_a_change_in_self_care_ability_is_reassessed_within_10_working_days, ()),
    "dibao yearly re-check": (Y.test_stable_household_is_rechecked_by_its_timer_every_12_months_and_kept, ()),
    "dibao re-check after a death": (Y.test_a_death_in_the_household_starts_a_recheck_due_within_three_months, ()),
    "dibao 渐退": (Y.test_gradual_exit_keeps_the_benefit_for_the_months_decided_then_stops, ()),
    "dibao started by a message": (Y.test_proactive_discovery_message_starts_a_case_in_the_township_window_inbox, ()),
    "dibao fraud at township review": (Y.test_fraud_found_at_township_review_records_a_finding_and_opens_recovery, ()),
    "referral call activity": (R.test_a_referral_goes_to_the_department_and_its_feedback_returns_to_the_case, ()),
    "referral withdrawn by cancellation": (R.test_cancelling_the_case_withdraws_its_open_referrals, ()),
}


def _case_ids(runtime) -> set[str]:
    with runtime.unit_of_work() as uow:
        return set(uow.session.scalars(select(ProcessInstance.id)))


def _stored(runtime, case_id: str) -> tuple[dict, str, set[str], dict[str, str]]:
    with runtime.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, case_id)
        tasks = set(uow.session.scalars(select(Task.id).where(Task.process_instance_id == case_id)))
        jobs = {j.id: j.activity_id for j in uow.session.scalars(select(Job).where(Job.process_instance_id == case_id))}
        return instance.variables, instance.state, tasks, jobs


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replay_reproduces_every_event_of_every_path(runtime, login_as, clock, scenario):
    before = _case_ids(runtime)
    drive, extra = SCENARIOS[scenario]
    drive(login_as, clock, *extra)
    created = _case_ids(runtime) - before
    assert created, "the scenario started no case"
    auditor = login_as("auditor")
    for case_id in created:
        verdict = auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json
        assert verdict["ok"], verdict
        seq, seen = 1, 0
        while seq is not None:
            response = auditor.client.get(f"/api/audit/cases/{case_id}/events/{seq}/state", headers=auditor.headers)
            assert response.status_code == 200, response.json
            assert response.json["matchesRecord"] is True, (seq, response.json["event"])
            seq, seen = response.json["nextSeq"], seen + 1
        assert seen == verdict["events"] > 1
        _assert_final_state_is_the_stored_one(runtime, case_id, verdict["events"])


def _assert_final_state_is_the_stored_one(runtime, case_id: str, last: int) -> None:
    final = state_at(runtime, SYSTEM, case_id, last)
    variables, state, tasks, jobs = _stored(runtime, case_id)
    assert final.snapshot.variables == variables
    assert final.snapshot.completed == (state != "ACTIVE")  # completed or cancelled
    if state == "ACTIVE":
        assert {t["id"] for t in final.snapshot.open_tasks if t["kind"] == "user"} == tasks
        assert {w["id"]: w["activityId"] for w in final.snapshot.waiting if w["type"] == "timer"} == jobs
