"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, TypeDecorator


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
        return None if value is None else sha256_bytes(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        return None if value is None else bytes(value).hex()


def sha256_bytes(value: str) -> bytes:
    """The 32 bytes of a sha256 given as 64 lower-case hex digits; ValueError for anything else."""
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise ValueError(f"not a sha256 in lower-case hex: {value!r:.80}")
    return bytes.fromhex(value)
