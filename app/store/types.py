"""Column types that behave the same on SQLite and PostgreSQL."""

import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String, TypeDecorator, false
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import operators


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
