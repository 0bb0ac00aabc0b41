"""Upkeep of the month partitions (PostgreSQL; nothing to do on SQLite): the months ahead made before rows need them
(at startup, from the scheduler, `flask partitions-ensure`), months emptied by the history clean-up dropped."""

import logging

from app.domain import clock
from app.store.partitions import MONTHS_AHEAD, drop_partition, empty_partitions_before, ensure_partitions

from .runtime import Runtime

log = logging.getLogger(__name__)


def keep_partitions(rt: Runtime, ahead: int = MONTHS_AHEAD) -> list[str]:
    """Make the month partitions from this month to `ahead` months on that are missing; return those made."""
    with rt.unit_of_work() as uow:
        made = ensure_partitions(uow.session.connection(), clock.now(), ahead)
        uow.commit()
    if made:
        log.info("month partitions made: %s", ", ".join(made))
    return made


def drop_emptied_partitions(rt: Runtime) -> list[str]:
    """Detach and drop the month partitions before this month that hold no row (their cases archived and removed);
    return their names."""
    with rt.unit_of_work() as uow:
        conn = uow.session.connection()
        emptied = empty_partitions_before(conn, clock.now())
        for part in emptied:
            drop_partition(conn, part)
        uow.commit()
    return [p.name for p in emptied]
