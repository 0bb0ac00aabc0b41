"""Task ids and state-change times from the command, so re-running a case's commands rebuilds it byte for byte.

SpiffWorkflow names each new task with uuid4() and stamps state changes with time.time(). During a command,
ids are instead uuid5(case id, "<event seq>/<n>") and the time is the command's moment; both come from the event
log on replay. Outside a command (no seed set) Spiff's own behaviour is kept. The seed is set here; SpiffWorkflow
reads it through app/engine/spiff_compat/task_ids.py.
"""

import itertools
import time
from collections.abc import Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5


@dataclass
class Seed:
    """Where a command's new task ids come from: the case, the event number, a counter."""

    namespace: UUID
    seq: int
    moment: datetime
    counter: Iterator[int] = field(default_factory=itertools.count)
    ticks: Iterator[int] = field(default_factory=itertools.count)

    def next_id(self) -> UUID:
        return uuid5(self.namespace, f"{self.seq}/{next(self.counter)}")

    def next_time(self) -> float:
        """The moment, plus a millisecond per event and a microsecond per state change.

        Spiff orders the branches a join merges by their last state change, so the stamps
        must rise as real time does, also between commands made at one frozen moment.
        """
        return self.moment.timestamp() + self.seq * 1e-3 + next(self.ticks) * 1e-6


_seed: ContextVar[Seed | None] = ContextVar("engine_seed", default=None)


def seed_for(case_id: str, seq: int, moment: datetime) -> Seed:
    """Return the seed of event `seq` of a case."""
    return Seed(uuid5(NAMESPACE_URL, f"case:{case_id}"), seq, moment)


def seeded(seed: Seed | None) -> Token[Seed | None]:
    """Use `seed` for the ids and times Spiff makes until reset; returns a reset token."""
    return _seed.set(seed)


def unseed(token: Token[Seed | None]) -> None:
    _seed.reset(token)


def new_task_id() -> UUID:
    """The id of a task SpiffWorkflow creates now: the command's next id, or a random one outside a command."""
    seed = _seed.get()
    return uuid4() if seed is None else seed.next_id()


def state_change_time() -> float:
    """The time SpiffWorkflow stamps on a state change now: the command's next stamp, or the wall clock."""
    seed = _seed.get()
    return time.time() if seed is None else seed.next_time()
