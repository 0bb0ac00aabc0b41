"""The 低保 approval path both the engine floor and the service load drive: the same steps, the same data."""

from app.domain.id_number import check_digit

ID17 = "11010119900307123"

# (activity, user who completes it, variables); `verify` is the external matching system,
# `publicity` the seven-day timer, fired at once; the others are user tasks.
STEPS = [
    ("accept", "window_cg", {"applicant_name": "张三", "id_number": ID17 + check_digit(ID17), "household_size": 3,
                             "per_capita_income": 420.0, "pledge_signed": True, "materials_complete": True,
                             "registered_separately": False,
                             "household_confirmed": True}),  # one applicant in every case: the window has seen them
    ("home_visit", "investigator_cg", {"visitors": "李四,王五", "visit_date": "2026-09-29",
                                       "findings": "家庭成员3人，无车辆，收入来源为零工"}),
    ("verify", "verifier", {"verification_result": "matched", "vehicles": 0}),
    ("township_review", "reviewer_cg", {"opinion": "approve", "proposed_amount": 1140.0}),
    ("publicity", "supervisor", {}),
    ("county_review", "county_reviewer", {"decision": "approve", "amount": 1140.0}),
    ("payment", "finance", {"first_payment_month": None}),  # the month after approval, read from the case
]
USER_TASKS = sum(1 for activity, _, _ in STEPS if activity not in ("verify", "publicity"))
