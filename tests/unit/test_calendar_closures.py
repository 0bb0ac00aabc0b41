"""Local closure days count as holidays only for the org unit they belong to and the units under it."""

from datetime import date

from app.domain.workcalendar import WorkCalendar

FLOOD = date(2026, 11, 18)  # a Wednesday


def _calendar() -> WorkCalendar:
    return WorkCalendar(known_years={2026}).with_closures({"/sfx/cg/": frozenset({FLOOD}),
                                                           "/qt/": frozenset({date(2026, 11, 19)})})


def test_a_township_closure_is_not_a_working_day_there_or_in_its_villages():
    for path in ("/sfx/cg/", "/sfx/cg/dongguan/"):
        calendar = _calendar().for_org(path)
        assert not calendar.is_workday(FLOOD)
        assert calendar.add_workdays(date(2026, 11, 16), 3).day == date(2026, 11, 20)


def test_other_townships_and_counties_count_the_day_as_usual():
    for path in ("/sfx/hd/", "/sfx/"):
        calendar = _calendar().for_org(path)
        assert calendar.is_workday(FLOOD)
        assert calendar.add_workdays(date(2026, 11, 16), 3).day == date(2026, 11, 19)


def test_loading_a_year_keeps_the_closures():
    calendar = _calendar().with_year(2027, [date(2027, 1, 1)], [])
    assert not calendar.for_org("/sfx/cg/").is_workday(FLOOD) and 2027 in calendar.known_years
