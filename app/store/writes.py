"""A command's writes in as few statements as the database allows.

Each write — the guarded move of the case row, its event, the task, job and history rows — is
one piece of SQL that reads all its rows from one JSON array, so its text is the same whatever
the number of rows. On PostgreSQL the pieces reach the server as ONE statement of data-modifying
CTEs: one round trip, one bind, one plan the driver prepares once (per statement, the client
spends about as much CPU as the server does). On SQLite, embedded and without round trips to
save, each piece is its own statement. Either way the case move decides: a command that another
overtook (the case is no longer at the version it read) writes nothing and is a Conflict.
"""

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import JSON, Table, TextClause, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.domain.errors import Conflict

from .tables import Base
from .tenancy import serving_county
from .types import PackedJSON, Sha256, json_text, pack_json, sha256_bytes
from .unit_of_work import CONFLICT_MESSAGE

_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves the dialect's constructor untyped


class Writes:
    """A command's writes, collected and sent by `execute()` (or on leaving `with Writes(session) as writes:`
    without an error); a case move always goes first."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.pieces: list[tuple[tuple[Any, ...], dict[str, Any]]] = []  # (what its SQL text depends on, its values)
        self.county = serving_county()  # named in each update and delete of a case table (app/store/tenancy.py)

    def __enter__(self) -> "Writes":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.execute()

    def add_case(self, table: Table, row: dict[str, Any], first: bool = True) -> None:
        """Insert a new case row (every column it leaves out at its default), first of everything written with it
        (unless not `first`: a called process instance a command on its case started, after the case's move)."""
        defaults = _defaults(table.name)
        values = {**{c: make() for c, make in defaults.items() if c not in row}, **row}
        piece = (("add", table.name, tuple(values)), values)
        if first:
            self.pieces.insert(0, piece)
        else:
            self.pieces.append(piece)

    def move_case(self, table: Table, case_id: str, read_version: int, values: dict[str, Any]) -> None:
        """Set `values` on the case row if it is still at `read_version`; if not, the command is a Conflict."""
        self.pieces.insert(0, self._in_county(("move", table.name, tuple(values)),
                                              {**values, "case_id": case_id, "read_version": read_version}))

    def set_case(self, table: Table, case_id: str, values: dict[str, Any]) -> None:
        """Set `values` on the case row, whatever its version: columns no event records (whether it is suspended, the
        definition a migration moved it to, the types its variables were declared with)."""
        self.pieces.append(self._in_county(("set", table.name, tuple(values)), {**values, "case_id": case_id}))

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` (dicts with the same keys); a column they leave out gets its default."""
        self._insert(table, rows, ())

    def upsert(self, table: Table, rows: list[dict[str, Any]], update: tuple[str, ...] | None = None,
               keep_if_null: tuple[str, ...] = ()) -> None:
        """Insert `rows`, or where a row with the same primary key exists, set its `update` columns from them (the
        rows' other columns unless named); a `keep_if_null` column keeps its value where the new one is null."""
        if rows:
            key = tuple(c.name for c in table.primary_key.columns)
            update = tuple(c for c in rows[0] if c not in key) if update is None else update
            self._insert(table, rows, (key, update, keep_if_null))

    def replace(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows`, each a fresh row in place of the one with its primary key (one statement may not delete
        and insert the same key on PostgreSQL): every other column is set, to its default where a row has none."""
        key = {c.name for c in table.primary_key.columns}
        self.upsert(table, rows, tuple(c.name for c in table.c if c.name not in key))

    def _insert(self, table: Table, rows: list[dict[str, Any]], conflict: tuple[Any, ...]) -> None:
        if rows:
            columns = (*rows[0], *(c for c in _defaults(table.name) if c not in rows[0]))
            self.pieces.append((("insert", table.name, columns, conflict),
                                {"rows": _rows_json(table.name, columns, rows, self.dialect)}))

    def insert_from(self, table: Table, rows: list[dict[str, Any]], source: Table, match: tuple[str, str],
                    taken: tuple[tuple[str, str], ...], then: list[dict[str, Any]] | None = None) -> None:
        """Insert `rows` (dicts with the same keys), each completed from the `source` row it names (`match`: its
        column naming the row, the source's column): `taken` pairs a column with an SQL expression on the source
        row; then, in the same INSERT and so numbered after them, the whole rows `then`. On PostgreSQL the source is
        read as it was before the command's statement; on SQLite, a write to it must come after this one."""
        if not rows:
            self.insert(table, then or [])
            return
        columns = tuple(rows[0])
        params = {"rows": _rows_json(table.name, columns, rows, self.dialect)}
        targets = (*columns, *(c for c, _ in taken)) if then else ()
        if then:
            params["then"] = _rows_json(table.name, targets, then, self.dialect)
        self.pieces.append(self._in_county(("insert_from", table.name, columns, source.name, match, taken, targets),
                                           params, on=source.name))

    def update_rows(self, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...],
                    keep_if_null: tuple[str, ...] = ()) -> None:
        """Set each row's other columns on the row its `key` columns name (rows with the same keys); a
        `keep_if_null` column keeps its value where the new one is null."""
        if rows:
            columns = tuple(rows[0])
            self.pieces.append(self._in_county(("update", table.name, columns, key, keep_if_null),
                                               {"rows": _rows_json(table.name, columns, rows, self.dialect)}))

    def delete(self, table: Table, keys: list[Any], columns: tuple[str, ...] = ("id",)) -> None:
        """Delete the rows whose `columns` hold one of `keys` (a value each, or a tuple for several columns)."""
        if keys:
            rows = [dict(zip(columns, k if isinstance(k, tuple) else (k,), strict=True)) for k in keys]
            self.pieces.append(self._in_county(("delete", table.name, columns), {"rows": json_text(rows)}))

    def _in_county(self, key: tuple[Any, ...], params: dict[str, Any],
                   on: str | None = None) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """A write that also names the county served, on a table (or the table it reads, `on`) that has the column."""
        if self.county is None or "tenant_id" not in _table(on or key[1]).c:
            return key, params
        return (*key, COUNTY), {**params, "county": self.county}

    def execute(self) -> None:
        """Send the writes; raise Conflict, having written nothing that stays, if the case had moved on."""
        if self.dialect == "postgresql" and self.pieces:
            values = {f"w{i}_{name}": v for i, (_, params) in enumerate(self.pieces) for name, v in params.items()}
            if self.session.execute(_combined(tuple(key for key, _ in self.pieces)), values).scalar() != 1:
                raise Conflict(CONFLICT_MESSAGE)
        else:
            for key, params in self.pieces:
                done = self.session.execute(_alone(key, self.dialect), {f"w0_{name}": v for name, v in params.items()})
                if key[0] == "move" and getattr(done, "rowcount", None) != 1:
                    raise Conflict(CONFLICT_MESSAGE)
        self.pieces = []


COUNTY = "county"  # the last item of a write's key when it names the county


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


@functools.cache
def _defaults(table: str) -> dict[str, Callable[[], Any]]:
    """Each column's default, which a statement reading its rows from JSON must supply itself: its value, or what
    its function (such as `dict` or `list`) makes, a new one for each row."""
    found: dict[str, Callable[[], Any]] = {}
    for column in _table(table).c:
        default: Any = column.default
        if default is not None and default.is_scalar:
            found[column.name] = functools.partial(lambda value: value, default.arg)
        elif default is not None and default.is_callable:
            found[column.name] = functools.partial(default.arg, None)  # SQLAlchemy's wrapper takes a context
    return found


@functools.cache
def _on_conflict(table: str, key: tuple[str, ...], update: tuple[str, ...], keep_if_null: tuple[str, ...]) -> str:
    """The ON CONFLICT clause of an upsert, from the table's primary key and the columns it sets."""
    sets = [f"{c} = excluded.{c}" for c in update]
    sets += [f"{c} = coalesce(excluded.{c}, {table}.{c})" for c in keep_if_null]
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(sets)}"


def _rows_json(table: str, columns: tuple[Any, ...], rows: list[dict[str, Any]], dialect: str) -> str:
    """The rows as one JSON array; times as naive UTC (as UTCDateTime stores them) in the database's text form; a
    column stored as bytes (`_binary_columns`) as its bytes' hex digits, on PostgreSQL in `bytea`'s hex input form
    (\\x…)."""
    defaults, sep = _defaults(table), " " if dialect == "sqlite" else "T"
    binary = _binary_columns(table)

    def plain(c: str, v: Any) -> Any:
        if isinstance(v, datetime):
            if v.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep, "microseconds")
        if c in binary and v is not None:
            digits = binary[c](v)
            return "\\x" + digits if dialect == "postgresql" else digits
        return v

    return json_text([{c: plain(c, row[c] if c in row else defaults[c]()) for c in columns} for row in rows])


def _sha256_digits(value: str) -> str:
    sha256_bytes(value)  # refused unless 64 lower-case hex digits
    return value


@functools.cache
def _binary_columns(table: str) -> dict[str, Callable[[Any], str]]:
    """The table's columns stored as bytes, each with how a value becomes the hex digits of its bytes: a sha256
    (Sha256) is its own digits, checked; a packed value (PackedJSON) is packed."""
    encoders: dict[type, Callable[[Any], str]] = {Sha256: _sha256_digits, PackedJSON: lambda v: pack_json(v).hex()}
    return {c.name: encoders[type(c.type)] for c in _table(table).c if type(c.type) in encoders}


def _recordset(table: str, columns: tuple[Any, ...], dialect: str, param: str) -> str:
    """The JSON array `param` as rows of `columns`, typed as the table's columns (a column stored as bytes read from
    its hex digits: on SQLite by `hex_bytes`, which app/store/db.py registers)."""
    cols, binary = _table(table).c, _binary_columns(table)
    if dialect == "postgresql":
        typed = ", ".join(f"{c} {cols[c].type.compile(_POSTGRESQL)}" for c in columns)
        return f"json_to_recordset(CAST(:{param} AS json)) AS r({typed})"

    def field(c: str) -> str:
        if c in binary:
            return f"hex_bytes(value ->> '$.{c}') AS {c}"
        return f"value {'->' if isinstance(cols[c].type, JSON) else '->>'} '$.{c}' AS {c}"

    return f"(SELECT {', '.join(field(c) for c in columns)} FROM json_each(:{param})) AS r"


def _piece(key: tuple[Any, ...], dialect: str, name: str, guard: str) -> str:
    """One write's SQL; its parameters are named `{name}_…`, and `guard` decides whether it writes at all."""
    kind, table, columns = key[:3]
    county = f" AND {table}.tenant_id = :{name}_county" if key[-1] == COUNTY else ""
    if kind == "add":
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(f':{name}_{c}' for c in columns)})"
    if kind in ("move", "set"):
        sets = ", ".join(f"{c} = :{name}_{c}" for c in columns)
        if kind == "set":
            return f"UPDATE {table} SET {sets} WHERE id = :{name}_case_id{county} AND {guard}"
        return f"UPDATE {table} SET {sets} WHERE id = :{name}_case_id AND version = :{name}_read_version{county}"
    names, rows = ", ".join(columns), _recordset(table, columns, dialect, f"{name}_rows")
    if kind == "update":
        sets = ", ".join(f"{c} = coalesce(r.{c}, {table}.{c})" if c in key[4] else f"{c} = r.{c}"
                         for c in columns if c not in key[3])
        match = " AND ".join(f"{table}.{c} = r.{c}" for c in key[3])
        hint = _by_key(table, key[3][0], dialect, f"{name}_rows")
        return f"UPDATE {table} SET {sets} FROM {rows} WHERE {match}{hint}{county} AND {guard}"
    if kind == "insert_from":
        source, (column, source_key), taken, then = key[3:7]
        county = f" AND {source}.tenant_id = :{name}_county" if key[-1] == COUNTY else ""
        targets = ", ".join((*columns, *(c for c, _ in taken)))
        values = ", ".join((*(f"r.{c}" for c in columns), *(expression for _, expression in taken)))
        followed = ""
        if then:  # SQLite reads `r` of the second SELECT as its own: the recordset is named once in each
            whole = _recordset(table, then, dialect, f"{name}_then")
            followed = f" UNION ALL SELECT {', '.join(f'r.{c}' for c in then)} FROM {whole} WHERE {guard}"
        hint = _by_key(source, source_key, dialect, f"{name}_rows", named=column)
        return (f"INSERT INTO {table} ({targets}) SELECT {values} FROM {rows} JOIN {source} "
                f"ON {source}.{source_key} = r.{column} WHERE {guard}{hint}{county}{followed}")
    if kind == "insert":  # `WHERE` also lets SQLite tell an ON CONFLICT clause from a join condition
        conflict = _on_conflict(table, *key[3]) if key[3] else ""
        return f"INSERT INTO {table} ({names}) SELECT {names} FROM {rows} WHERE {guard} {conflict}".rstrip()
    match = columns[0] if len(columns) == 1 else f"({names})"
    hint = _by_key(table, columns[0], dialect, f"{name}_rows")
    return f"DELETE FROM {table} WHERE {match} IN (SELECT {names} FROM {rows}){hint}{county} AND {guard}"


def _by_key(table: str, column: str, dialect: str, param: str, named: str | None = None) -> str:
    """On PostgreSQL, the rows' first key column as an array to look the table's rows up by: the planner takes the
    JSON array for 100 rows whatever it holds, and joined to it a table of a few thousand rows (a new database's
    history, say) is read whole, some milliseconds a command, where the array's index lookup reads one row. The
    join still decides which rows are written; this only lets PostgreSQL find them by index. `named`: the rows'
    name for the key, where it is not the table's."""
    if dialect != "postgresql":
        return ""
    typed, named = _table(table).c[column].type.compile(_POSTGRESQL), named or column
    return (f" AND {table}.{column} = ANY(ARRAY(SELECT k.{named} FROM "
            f"json_to_recordset(CAST(:{param} AS json)) AS k({named} {typed})))")


def _typed(statement: TextClause, key: tuple[Any, ...], name: str) -> TextClause:
    """A case's values (added or moved) bound with their columns' types (JSON, bytes, UTC times), as the ORM binds
    them."""
    if key[0] not in ("add", "move", "set"):
        return statement
    cols = _table(key[1]).c
    return statement.bindparams(*(bindparam(f"{name}_{c}", type_=cols[c].type) for c in key[2]))


@functools.cache
def _alone(key: tuple[Any, ...], dialect: str) -> TextClause:
    """One write as a statement of its own, its parameters named `w0_…`."""
    return _typed(text(_piece(key, dialect, "w0", "true")), key, "w0")


@functools.cache
def _combined(keys: tuple[Any, ...]) -> TextClause:
    """Every write as one PostgreSQL statement; it returns 1 unless a case move matched no row (then all are void)."""
    moves = keys[0][0] == "move"
    guard = "EXISTS (SELECT FROM w0)" if moves else "true"
    parts = [f"w{i} AS ({_piece(key, 'postgresql', f'w{i}', guard)}{' RETURNING 1' if i == 0 and moves else ''})"
             for i, key in enumerate(keys)]
    final = "SELECT count(*) FROM w0" if moves else "SELECT 1"
    statement = text(f"WITH {', '.join(parts)} {final}")
    for i, key in enumerate(keys):
        statement = _typed(statement, key, f"w{i}")
    return statement
