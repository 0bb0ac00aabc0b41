"""The one clock of the service, so tests and replay can move time."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if _source is not None:
        return _source()
    return datetime.now(UTC)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (None restores the system clock)."""
    global _source
    _source = source


def local(moment: datetime) -> datetime:
    """Return the moment in China Standard Time (no daylight saving since 1991)."""
    return moment.astimezone(CHINA_TZ)
