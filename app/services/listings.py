"""Reads the API shows beside the engine's lists (those are app/services/lists.py): a loaded calendar year."""

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.tables import CalendarYear

from .runtime import Runtime


def calendar_year(rt: Runtime, actor: Actor, year: int) -> CalendarYear:
    """Return a year loaded into the calendar (next year's official notice)."""
    actor.require("case.read")
    with rt.reading() as uow:
        row = uow.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if row is None:
        raise NotFound(f"{year} 年的日历未加载（由 chinesecalendar 提供的年份无需加载）", field="year")
    return row
