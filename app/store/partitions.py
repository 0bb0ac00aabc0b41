"""Monthly partitions of the tables that grow without end (PostgreSQL only; migrations 0029, 0031 and 0035 made them).

`case_event` and `access_log` are partitioned by their row's time (`at`), `history_activity` by the activity's start
(`start_time`), `history_incident` by the incident's (`created`), `job_log` by the entry's (`logged_at`): a row's key
never changes once written. Each table has a partition per month, named `<table>_pYYYYMM`, and a default partition
(`<table>_default`) that takes any row no month partition covers, so an insert never fails for want of a partition.
`ensure_partitions` creates the months ahead (at startup, from the scheduler every six hours, and `flask
partitions-ensure`); a month whose rows already reached the default partition (a clock moved far ahead, upkeep that
did not run) is made by moving them out of it first.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

# table -> its partition key
PARTITIONED = {"case_event": "at", "history_activity": "start_time", "history_incident": "created",
               "access_log": "at", "job_log": "logged_at"}
APPEND_ONLY = ("case_event", "access_log")
# indexes PostgreSQL's partitioned tables have and SQLite's plain ones do not (migration 0029)
POSTGRESQL_ONLY_INDEXES = {"ix_history_activity_start", "ix_access_log_at", "ix_process_instance_compared"}
MONTHS_AHEAD = 3
# the history clean-up's setting (migration 0024): while on, the append-only triggers let a DELETE through
MAINTENANCE = "SET LOCAL assistance.history_cleanup = 'on'"
_NAME = re.compile(r"_p(\d{4})(\d{2})$")


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    start: datetime  # naive UTC, as the columns store times
    end: datetime


def month_start(moment: datetime) -> datetime:
    """The first instant (naive UTC) of the month of `moment`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def partition_name(table: str, start: datetime) -> str:
    return f"{table}_p{start:%Y%m}"


def is_partitioned(conn: Connection, table: str) -> bool:
    """Whether `table` is a partitioned table here (never on SQLite)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.scalar(text("SELECT EXISTS (SELECT FROM pg_partitioned_table p JOIN pg_class c "
                                 "ON c.oid = p.partrelid WHERE c.relname = :t AND c.relnamespace = "
                                 "current_schema()::regnamespace)"), {"t": table}))


def month_partitions(conn: Connection, table: str) -> list[Partition]:
    """The month partitions of `table`, oldest first (the default partition is not one of them)."""
    names = conn.scalars(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                              "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t "
                              "AND p.relnamespace = current_schema()::regnamespace"), {"t": table})
    found = []
    for name in names:
        if (match := _NAME.search(name)) is not None:
            start = datetime(int(match[1]), int(match[2]), 1)
            found.append(Partition(table, name, start, next_month(start)))
    return sorted(found, key=lambda p: p.start)


def ensure_partitions(conn: Connection, moment: datetime, ahead: int = MONTHS_AHEAD,
                      since: datetime | None = None) -> list[str]:
    """Make sure each partitioned table has a partition for every month from `since` (default: the month of `moment`)
    to `ahead` months after it; return the partitions made. Run in the caller's transaction."""
    made: list[str] = []
    if conn.dialect.name == "postgresql":  # one maker at a time across the service's processes and nodes
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('assistance.partitions'))"))
    for table, key in PARTITIONED.items():
        if not is_partitioned(conn, table):
            continue
        have = {p.start for p in month_partitions(conn, table)}
        start = month_start(since or moment)
        last = month_start(moment)
        for _ in range(ahead):
            last = next_month(last)
        while start <= last:
            if start not in have:
                _make_month(conn, table, key, start)
                made.append(partition_name(table, start))
            start = next_month(start)
    return made


def _make_month(conn: Connection, table: str, key: str, start: datetime) -> None:
    name, end = partition_name(table, start), next_month(start)
    bounds = {"lo": start, "hi": end}
    stray = conn.scalar(text(f"SELECT EXISTS (SELECT FROM {table}_default WHERE {key} >= :lo AND {key} < :hi)"),
                        bounds)
    if not stray:
        conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{start:%Y-%m-%d}') "
                          f"TO ('{end:%Y-%m-%d}')"))
    else:
        _move_out_of_default(conn, table, key, start)
    if table in APPEND_ONLY:  # the row triggers come with the partition; TRUNCATE needs one of its own
        conn.execute(text(no_truncate(name)))


def no_truncate(name: str) -> str:
    """The statement trigger that refuses TRUNCATE on one partition of an append-only table."""
    return (f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only()")


def _move_out_of_default(conn: Connection, table: str, key: str, start: datetime) -> None:
    name, end = partition_name(table, start), next_month(start)
    bounds = {"lo": start, "hi": end}
    # rows of that month are in the default partition: move them into a table of their own, then attach it
    conn.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    conn.execute(text(MAINTENANCE))
    conn.execute(text(f"WITH moved AS (DELETE FROM {table}_default WHERE {key} >= :lo AND {key} < :hi "
                      f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"), bounds)
    conn.execute(text(MAINTENANCE.replace("'on'", "'off'")))
    conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{start:%Y-%m-%d}') "
                      f"TO ('{end:%Y-%m-%d}')"))


def empty_partitions_before(conn: Connection, moment: datetime) -> list[Partition]:
    """The month partitions wholly before the month of `moment` that hold no row."""
    cut = month_start(moment)
    found: list[Partition] = []
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('assistance.partitions'))"))
    for table in PARTITIONED:
        if not is_partitioned(conn, table):
            continue
        for part in month_partitions(conn, table):
            if part.end <= cut and not conn.scalar(text(f"SELECT EXISTS (SELECT FROM {part.name})")):
                found.append(part)
    return found


def drop_partition(conn: Connection, part: Partition) -> None:
    """Detach an (emptied) month partition and drop it; refuse one that still holds rows."""
    conn.execute(text(f"LOCK TABLE {part.name} IN ACCESS EXCLUSIVE MODE"))
    if conn.scalar(text(f"SELECT EXISTS (SELECT FROM {part.name})")):
        raise ValueError(f"partition {part.name} still holds rows")
    conn.execute(text(f"ALTER TABLE {part.table} DETACH PARTITION {part.name}"))
    conn.execute(text(f"DROP TABLE {part.name}"))


def is_partition(name: str) -> bool:
    """Whether a table of that name is a partition of a partitioned table (which the models do not describe)."""
    return any(name.startswith(table + "_") and (_NAME.search(name) or name == f"{table}_default")
               for table in PARTITIONED)


def described_by_models(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for `dialect`: on PostgreSQL, leave out the partitions and the partitioned tables'
    unique constraints (PostgreSQL's hold the partition key too); the models describe the tables as SQLite has them."""
    def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        if dialect != "postgresql":
            return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES)
        if type_ == "table" and reflected and name is not None and is_partition(name):
            return False
        table = getattr(getattr(obj, "table", None), "name", None)
        return not (type_ == "unique_constraint" and table in PARTITIONED)
    return include


def earliest_row_of(started_at: datetime) -> datetime:
    """The earliest time a row of a case started at `started_at` may carry in a partitioned table: the start of the
    month before the one it started in. A command whose clock reads earlier is refused (app/services/projection.py),
    so a read of one case's rows bounded by it loses none, and PostgreSQL reads only the partitions from then on."""
    aware = started_at.tzinfo is not None
    start = month_start(started_at)
    before = start.replace(year=start.year - (start.month == 1), month=(start.month - 2) % 12 + 1)
    return before.replace(tzinfo=UTC) if aware else before
