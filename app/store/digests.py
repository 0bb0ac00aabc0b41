"""The sha256 of a stored value, computed by the database itself: the nightly verification compares a case's
stored state, data and other columns with its signed checkpoint without carrying them to the service.

PostgreSQL hashes a `bytea` as it is and a `json` value as its stored text (the text the service wrote,
app/store/db.py `json_text`); SQLite calls `sha256_hex`, which app/store/db.py registers on each connection.
Several columns are hashed as one JSON array of their values (`stored_row_sha256`): a checkpoint's hash and the
night's are both the database's, so the array need only be written the same way each time by one database.
"""

import hashlib
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class stored_sha256(FunctionElement[str]):  # noqa: N801 — read as a SQL function
    """The lower-case hex sha256 of a binary or JSON column's stored bytes."""

    type = String()
    inherit_cache = True
    name = "stored_sha256"

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)


@compiles(stored_sha256)
def _generic(element: stored_sha256, compiler: SQLCompiler, **kw: Any) -> str:
    return f"sha256_hex({compiler.process(element.clauses, **kw)})"


@compiles(stored_sha256, "postgresql")
def _postgresql(element: stored_sha256, compiler: SQLCompiler, **kw: Any) -> str:
    column = next(iter(element.clauses))
    value = compiler.process(element.clauses, **kw)
    if not isinstance(column.type, LargeBinary):
        value = f"convert_to(CAST({value} AS TEXT), 'UTF8')"
    return f"encode(sha256({value}), 'hex')"


class stored_row_sha256(FunctionElement[str]):  # noqa: N801 — read as a SQL function
    """The lower-case hex sha256 of several columns' values written as one JSON array (NULL as null)."""

    type = String()
    inherit_cache = True
    name = "stored_row_sha256"

    def __init__(self, *columns: ColumnElement[Any]) -> None:
        super().__init__(*columns)


@compiles(stored_row_sha256)
def _generic_row(element: stored_row_sha256, compiler: SQLCompiler, **kw: Any) -> str:
    return f"sha256_hex(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(stored_row_sha256, "postgresql")
def _postgresql_row(element: stored_row_sha256, compiler: SQLCompiler, **kw: Any) -> str:
    # a moment as seconds since the epoch: its text does not follow the session's TimeZone
    values = ", ".join(f"EXTRACT(EPOCH FROM {compiler.process(column, **kw)})"
                       if isinstance(column.type, DateTime) else compiler.process(column, **kw)
                       for column in element.clauses)
    return f"encode(sha256(convert_to(CAST(json_build_array({values}) AS TEXT), 'UTF8')), 'hex')"


def sha256_hex(value: bytes | str | None) -> str | None:
    """SQLite's `sha256_hex(x)`: the hex sha256 of a blob, or of text as UTF-8."""
    if value is None:
        return None
    return hashlib.sha256(value.encode("utf-8") if isinstance(value, str) else value).hexdigest()


def has_row_versions(dialect_name: str) -> bool:
    """Whether the database keeps `process_instance.row_version` (PostgreSQL, by a trigger: migration 0041); on
    SQLite it stays empty."""
    return dialect_name == "postgresql"
