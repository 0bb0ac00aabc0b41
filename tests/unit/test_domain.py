"""Pure rules: 身份证 check digits and Chinese working days."""

import random
import time
from datetime import date, timedelta

import pytest

from app.domain.id_number import check_digit, id_number_problem, mask_id_number
from app.services.calendar import official_calendar


def test_valid_id_number_passes():
    first17 = "11010519491231002"
    assert id_number_problem(first17 + check_digit(first17)) is None


@pytest.mark.parametrize("value", ["", "123", "11010519491231002Y", "110105194913310021", "1101051949123100A2"])
def test_malformed_id_numbers_fail(value):
    assert id_number_problem(value) is not None


def test_wrong_check_digit_fails():
    first17 = "11010519491231002"
    wrong = "0" if check_digit(first17) != "0" else "1"
    assert "校验位" in id_number_problem(first17 + wrong)


def test_masking_keeps_six_and_four():
    assert mask_id_number("110105194912310021") == "110105********0021"


@pytest.fixture(scope="module")
def calendar():
    return official_calendar()


def test_national_day_2026_holidays_and_make_up_saturday(calendar):
    assert not calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 10, 7))
    assert calendar.is_workday(date(2026, 10, 10))  # 调休 Saturday
    assert calendar.is_workday(date(2026, 9, 20))  # 调休 Sunday


@pytest.mark.parametrize("start, count, expected", [
    (date(2026, 9, 28), 3, date(2026, 10, 8)),  # start day not counted; holiday skipped
    (date(2026, 10, 6), 3, date(2026, 10, 10)),  # the 调休 Saturday counts
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 11, 20), 2, date(2026, 11, 24)),  # a plain weekend
])
def test_add_workdays(calendar, start, count, expected):
    result = calendar.add_workdays(start, count)
    assert result.day == expected and not result.provisional


def test_days_past_the_known_calendar_are_provisional(calendar):
    result = calendar.add_workdays(date(2026, 12, 28), 10)
    assert result.provisional
    assert result.day == date(2027, 1, 11)  # counted Monday to Friday meanwhile


def _walk(calendar, start: date, count: int) -> tuple[date, bool]:
    """The working days counted one day at a time: what add_workdays must agree with."""
    day, provisional, step = start, False, 1 if count >= 0 else -1
    for _ in range(abs(count)):
        day += timedelta(days=step)
        provisional = provisional or not calendar.is_known(day)
        while not calendar.is_workday(day):
            day += timedelta(days=step)
            provisional = provisional or not calendar.is_known(day)
    return day, provisional


def test_add_workdays_by_whole_weeks_agrees_with_a_walk_day_by_day(calendar):
    closed = calendar.with_closures({"/sfx/cg": frozenset({date(2026, 11, 18), date(2025, 3, 3)})}).for_org("/sfx/cg")
    chance = random.Random(22)
    for _ in range(500):
        start = date(2004, 1, 1) + timedelta(days=chance.randint(0, 8500))
        count = chance.choice([chance.randint(-30, 30), chance.randint(-2500, 2500)])
        for cal in (calendar, closed):
            result = cal.add_workdays(start, count)
            assert (result.day, result.provisional) == _walk(cal, start, count), (start, count)
            end = start + timedelta(days=chance.randint(-10, 900))
            walked = sum(cal.is_workday(start + timedelta(days=k)) for k in range(1, (end - start).days + 1))
            assert cal.workdays_between(start, end) == walked


def test_add_workdays_costs_the_logarithm_of_its_count(calendar):
    started = time.perf_counter()
    far = calendar.add_workdays(date(2026, 1, 1), 2_000_000)
    assert time.perf_counter() - started < 0.05
    assert far.provisional and calendar.workdays_between(date(2026, 1, 1), far.day) == 2_000_000
