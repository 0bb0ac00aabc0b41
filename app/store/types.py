"""Column types that behave the same on SQLite and PostgreSQL."""

import functools
import json
import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String, TypeDecorator, false
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import operators

from app.engine.serializer import compress_state, inflate_state

# JSON columns (case data, event inputs) hold much Chinese text: as UTF-8 it takes half the bytes of \u escapes
json_text = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


class UTCDateTime(TypeDecorator[Any]):
    """Store aware datetimes as naive UTC; read them back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> Any:
        return None if value is None else value.replace(tzinfo=UTC)


class Sha256(TypeDecorator[str]):
    """A sha256 stored as its 32 bytes (PostgreSQL `bytea`, SQLite BLOB), read and written as its 64 lower-case hex
    digits, as every page, API and archive shows it: half the bytes of the hex text (33 a value with its length
    header, against 65). Anything else is refused, not stored in another form."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return sha256_bytes_or_none(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        return None if value is None else bytes(value).hex()


def sha256_bytes(value: str) -> bytes:
    """The 32 bytes of a sha256 given as 64 lower-case hex digits; ValueError for anything else."""
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise ValueError(f"not a sha256 in lower-case hex: {value!r:.80}")
    return bytes.fromhex(value)


def sha256_bytes_or_none(value: str | None) -> bytes | None:
    """`sha256_bytes`, with None (SQL NULL) kept."""
    return None if value is None else sha256_bytes(value)


class PackedJSON(TypeDecorator[Any]):
    """A JSON value stored compressed (bytes: PostgreSQL `bytea`, SQLite BLOB), read and written as the value.

    An event's changes are a few hundred bytes of JSON, below the 2 KB from which PostgreSQL compresses a row (TOAST),
    and most of them are the keys and values every case's state repeats (the county's settings at the start, the
    path's data keys): with the states' preset dictionary (app/engine/state.zdict) a 低保 case's changes take about a
    sixth of their JSON. A value that compressing does not shorten (`{}`) is kept as its JSON text, as are the
    values written before migration 0044: a reader tells them by their first byte (JSON text never starts with
    zlib's 0x78)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else pack_json(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> Any:
        return None if value is None else unpack_json(value)


def pack_json(value: Any) -> bytes:
    """`value` as a PackedJSON column stores it: its JSON, compressed with the states' dictionary unless that is no
    shorter."""
    plain = json_text(value).encode()
    packed = compress_state(plain)
    return packed if len(packed) < len(plain) else plain


def unpack_json(stored: Any) -> Any:
    """The value of a PackedJSON column's stored bytes (compressed, or JSON text). A value PostgreSQL's driver has
    already parsed is the column read as `json`, before migration 0044 (the migrations' tests read there)."""
    if isinstance(stored, dict | list):
        return stored
    data = stored.encode() if isinstance(stored, str) else bytes(stored)
    return json.loads(inflate_state(data) if data[:1] == b"\x78" else data)


def hex_bytes_or_none(value: str | None) -> bytes | None:
    """Bytes from their hex digits, None (SQL NULL) kept."""
    return None if value is None else bytes.fromhex(value)


# a UUID as the engine writes one (str(uuid4())): lowercase, hyphenated
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_uuid_text(value: object) -> bool:
    """Whether `value` is a UUID in the text form the engine writes (lowercase, hyphenated)."""
    return isinstance(value, str) and _UUID_TEXT.fullmatch(value) is not None


def _malformed(value: object) -> bool:
    return isinstance(value, str) and not is_uuid_text(value)


class UuidText(TypeDecorator[str]):
    """An id that is always a UUID, read and written as its text (lowercase, hyphenated): PostgreSQL stores the 16
    bytes of its `uuid` (36 characters take 37), SQLite the text as before.

    A client's id is compared as given: one that is not such a text names no row (an unknown id, as on a text
    column), where PostgreSQL would refuse the whole statement ("invalid input syntax for type uuid"). So a
    comparison with it (==, !=, IN, NOT IN) is decided when the statement is built, and the database never receives
    it. Only the text form the engine writes is taken: PostgreSQL would also read "{…}", upper case or no hyphens
    as the same uuid, which a text column never matched. A malformed value written is an error, never stored in
    another form."""

    impl = String(36)
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[str], String.Comparator[str]):
        """Comparisons with a malformed literal decided here (see the class's note)."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            column, value = self.expr, other[0] if other else None
            if op is operators.eq and _malformed(value):
                return false()
            if op is operators.ne and _malformed(value):
                return column.is_not(None)
            if op in (operators.in_op, operators.not_in_op) and isinstance(value, Collection) \
                    and not isinstance(value, str | bytes):
                kept = [v for v in value if not _malformed(v)]
                if op is operators.not_in_op and not kept:
                    return column.is_not(None)
                return super().operate(op, kept, *other[1:], **kwargs)
            return super().operate(op, *other, **kwargs)

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=False))
        return dialect.type_descriptor(String(36))

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if _malformed(value):
            raise ValueError(f"not a UUID's text (lowercase, hyphenated): {value!r}")
        return value
