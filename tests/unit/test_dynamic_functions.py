"""Re-check due dates and ages used by the 动态管理 timers and the household classification table."""

from datetime import datetime

import pytest

from app.domain.clock import CHINA_TZ
from app.domain.id_number import age_on, birth_date
from app.domain.workcalendar import WorkCalendar
from app.engine.functions import FunctionContext

CONTEXT = FunctionContext(datetime(2026, 9, 28, 10, tzinfo=CHINA_TZ), WorkCalendar())


@pytest.mark.parametrize(("start", "months", "due"), [
    ("2026-09-28T10:00:00+08:00", 12, "2027-09-28"),
    ("2026-09-28T10:00:00+08:00", 6, "2027-03-28"),
    ("2026-08-31", 6, "2027-02-28"),  # the month is shorter: its last day
    ("2027-08-31", 6, "2028-02-29"),  # leap year
    ("2026-12-15", 1, "2027-01-15"),
    ("2026-11-30", 3, "2027-02-28"),
])
def test_add_months_keeps_the_day_and_ends_at_the_end_of_that_day(start, months, due):
    result = CONTEXT.add_months(start, months)
    assert result.date().isoformat() == due
    assert (result.hour, result.minute, result.second, result.utcoffset().seconds) == (23, 59, 59, 8 * 3600)


def test_age_counts_full_years_from_the_id_number_birth_date():
    assert birth_date("110101194803071234").isoformat() == "1948-03-07"
    assert age_on("110101194803071234", datetime(2026, 3, 6).date()) == 77
    assert age_on("110101194803071234", datetime(2026, 3, 7).date()) == 78
    assert CONTEXT.age("110101201001011234", "2026-09-28T10:00:00+08:00") == 16
