"""What the history clean-up tells a Camunda client (app/services/removal_times.py): each history row's
`removalTime`, and a definition's `historyTimeToLive`; looked up once for a page of rows, never row by row."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.services.removal_times import removal_times, times_to_live

from .support import actor, camunda_date, runtime


def removal_date(value: datetime | None) -> str | None:
    """A removal time in Camunda's format; null past the last date the format can write (as for never)."""
    try:
        return camunda_date(value)
    except OverflowError:
        return None


def removal_of(case_id: str | None) -> datetime | None:
    """When the history of case `case_id` (or of its root case) will be removed."""
    return removal_times(runtime(), [case_id]).get(case_id) if case_id else None


def time_to_live_of(definitions: list) -> dict[str, int]:
    """The days the cases of each definition are kept, by id, as the actor is answered."""
    return times_to_live(runtime(), actor(), definitions)


def with_removal(shape: Callable[..., dict], case_of: Callable[[Any], str | None]) -> Callable[..., list[dict]]:
    """Shape a page of history rows, each with the removal time of the case `case_of` names (one lookup); the
    page's further arguments go to `shape` after the removal time."""

    def page(rows: list, *args: Any) -> list[dict]:
        times = removal_times(runtime(), [case_of(row) for row in rows])
        return [shape(row, times.get(case_of(row) or ""), *args) for row in rows]

    return page


def with_time_to_live(shape: Callable[..., dict],
                      definition_of: Callable[[Any], Any] = lambda row: row) -> Callable[[list], list[dict]]:
    """Shape a page of definitions (or of rows naming one), each with the days its cases are kept (one lookup)."""

    def page(rows: list) -> list[dict]:
        days = time_to_live_of([definition_of(row) for row in rows])
        return [shape(row, days[definition_of(row).id]) for row in rows]

    return page
