"""Build the working-day calendar from the official data in `chinesecalendar`."""

from chinese_calendar import constants

from app.domain.workcalendar import WorkCalendar


def official_calendar() -> WorkCalendar:
    """Return the calendar of every year `chinesecalendar` carries (2004 to its last year)."""
    holidays, workdays = set(constants.holidays), set(constants.workdays)
    years = {d.year for d in holidays | workdays}
    return WorkCalendar(holidays, workdays, years)
