"""The money rules in app/domain/amounts.py: exact decimals, rounded as the county sets it."""

from decimal import Decimal

import pytest

from app.domain import amounts


@pytest.mark.parametrize(("standard", "income", "size", "unit", "expected"), [
    (800, 420, 3, "yuan", Decimal("1140")),
    (800, 790, 1, "yuan", Decimal("10")),
    (800, 333.335, 3, "fen", Decimal("1400.00")),  # 466.665 × 3 = 1399.995: half up, in decimal
    (812.5, 0, 1, "yuan", Decimal("813")),  # half up
    (812.5, 0, 1, "jiao", Decimal("812.5")),
    (800, 900, 2, "yuan", Decimal("0")),  # income above the standard: no 补差
])
def test_dibao_top_up_is_the_gap_times_the_household_rounded(standard, income, size, unit, expected):
    assert amounts.dibao_top_up(standard, income, size, unit) == expected


def test_the_ceiling_is_the_standard_times_the_household():
    assert amounts.dibao_ceiling(800, 1) == Decimal("800.00")
    assert amounts.dibao_ceiling(812.34, 3) == Decimal("2437.02")


@pytest.mark.parametrize("size", [0, -1, 2.5, True, "3"])
def test_a_household_size_must_be_a_whole_positive_number(size):
    with pytest.raises((ValueError, TypeError)):
        amounts.dibao_top_up(800, 0, size)


def test_an_unknown_rounding_unit_is_refused():
    with pytest.raises(ValueError):
        amounts.dibao_top_up(800, 0, 1, "hao")


def test_tekun_support_adds_the_care_standard_of_the_class():
    care = {"全自理": 100, "半护理": 500, "全护理": 1000}
    assert amounts.tekun_support(1040, care, "半护理") == Decimal("1540.00")
    with pytest.raises(ValueError):
        amounts.tekun_support(1040, care, "不详")


def test_rigid_expenses_come_off_the_per_capita_income_and_never_below_zero():
    assert amounts.income_after_expenses(900, 3, 450) == Decimal("750.00")
    assert amounts.income_after_expenses(100, 1, 450) == Decimal("0.00")
    assert amounts.deductible_expenses([333.33, 120, 0], [0.5, 1, 1]) == Decimal("286.67")  # 166.665 half up


def test_what_is_left_of_an_approval_is_exact():
    assert amounts.amount_left(0.3, [0.1, 0.2]) == Decimal("0.00")  # 0.1 + 0.2 != 0.3 in floating point
    assert amounts.amount_left(9000, [4500]) == Decimal("4500.00")


def test_money_variables_are_named_by_their_amount():
    assert amounts.is_amount("approved_amount") and amounts.is_amount("amount")
    assert not amounts.is_amount("household_size")
