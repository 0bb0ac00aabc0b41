"""The task pages start from what the service knows: the 先行救助 amount asked, today's date, the 补差, and the
初审 form's texts filled from the case (never `{{household_class}}`)."""

from tests.support.case_steps import LinshiCase
from tests.support.dibao_steps import Case
from tests.support.web_client import Web, field_value


def test_the_emergency_payment_starts_with_the_amount_asked_and_today(app, login_as, clock):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=2000.0)
    task = case.task("reviewer_cg", "emergency_payment")
    page = Web(app, "reviewer_cg").get(f"/tasks/{task['id']}").text
    assert field_value(page, "paid_amount") == "2000"
    assert field_value(page, "paid_at") == "2026-09-28" and 'type="date"' in page
    assert "现为 10000 元" in page  # the form's hint names the county's limit, not its setting's key


def test_the_township_review_starts_with_the_computed_difference_and_says_the_class(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    task = case.task("reviewer_cg", "township_review")
    page = Web(app, "reviewer_cg").get(f"/tasks/{task['id']}").text
    computed = case.variables()["computed_amount"]
    assert field_value(page, "proposed_amount") == str(int(float(computed)))
    assert "{{" not in page and "家庭类别认定结果（按家庭类别认定表）：" in page


def test_the_documentation_after_an_emergency_payment_starts_with_whom_and_why_the_window_took_in(app, login_as,
                                                                                                  clock):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=800.0)
    case.complete("reviewer_cg", "emergency_payment", paid_amount=600.0, paid_at="2026-09-28")
    task = case.task("window_cg", "post_documentation")
    page = Web(app, "window_cg").get(f"/tasks/{task['id']}").text
    assert field_value(page, "who") == "李梅"
    assert field_value(page, "why") == "突发重病住院，自付医疗费用较高"
    assert field_value(page, "how_much") == "600"  # what was paid, not what was asked
