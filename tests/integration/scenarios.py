"""The process paths replay and the state codec are proved on: each an end-to-end test run as written."""

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
                                    (50000.01, "deliberation", "county_reviewer", "deliberation")),
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
