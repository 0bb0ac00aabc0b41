"""UuidText (app/store/types.py): a uuid on PostgreSQL, text on SQLite; a comparison with a malformed literal is
decided when the statement is built, so PostgreSQL never receives a value its uuid input would refuse or read as
another (upper case, braces, no hyphens)."""

import uuid

import pytest
from sqlalchemy import Column, MetaData, Table, create_engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError

from app.store.tables import HistoryActivity
from app.store.types import UuidText, is_uuid_text

GOOD = "5f0c3b9e-2d41-4a7e-8b6c-0e1f2a3b4c5d"  # fixed: the parameters name it, and xdist collects them twice
MALFORMED = ["", "x", "not-a-uuid", GOOD.upper(), GOOD.replace("-", ""), "{" + GOOD + "}", GOOD + "0", GOOD[:-1]]
_ROWS = Table("rows", MetaData(), Column("id", UuidText, primary_key=True), Column("other", UuidText, nullable=True))
_PG = postgresql.psycopg.dialect()  # type: ignore[attr-defined]


def _where(condition) -> tuple[str, list]:
    """The WHERE clause PostgreSQL would receive, and the values bound in it."""
    compiled = select(_ROWS.c.id).where(condition).compile(dialect=_PG)
    return str(compiled).split("WHERE ", 1)[1], [v for v in compiled.params.values()]


def test_only_the_engines_text_form_is_a_uuid_text():
    assert is_uuid_text(GOOD) and is_uuid_text(str(uuid.UUID(int=0)))
    assert not any(is_uuid_text(v) for v in MALFORMED) and not is_uuid_text(uuid.UUID(GOOD))


@pytest.mark.parametrize("given", MALFORMED)
def test_a_comparison_with_a_malformed_id_is_decided_without_the_database(given):
    assert _where(_ROWS.c.id == given) == ("false", [])
    assert _where(given == _ROWS.c.other) == ("false", [])
    assert _where(_ROWS.c.other != given) == ("rows.other IS NOT NULL", [])  # as SQL's != on a null
    assert _where(_ROWS.c.id.not_in([given])) == ("rows.id IS NOT NULL", [])
    assert _where(_ROWS.c.id.in_([given, GOOD]))[1] == [[GOOD]]
    assert _where(_ROWS.c.id.not_in((given, GOOD)))[1] == [[GOOD]]
    assert _where(_ROWS.c.id.in_({given}))[1] == [[]]  # IN of nothing: no row


def test_rows_match_as_before_on_sqlite():
    """On SQLite the column stays text: the well-formed ids a list names match, the malformed ones nothing."""
    engine = create_engine("sqlite://")
    _ROWS.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(_ROWS.insert(), [{"id": GOOD}])
        assert conn.scalars(select(_ROWS.c.id).where(_ROWS.c.id.in_([*MALFORMED, GOOD]))).all() == [GOOD]
        assert conn.scalars(select(_ROWS.c.id).where(_ROWS.c.id.not_in(MALFORMED))).all() == [GOOD]
        assert conn.scalars(select(_ROWS.c.id).where(_ROWS.c.id == GOOD.upper())).all() == []


def test_a_well_formed_id_is_compared_as_a_uuid_on_postgresql_and_as_text_on_sqlite():
    assert _where(_ROWS.c.id == GOOD) == ("rows.id = %(id_1)s::UUID", [GOOD])
    on_sqlite = select(_ROWS.c.id).where(_ROWS.c.id == GOOD).compile(dialect=sqlite.dialect())
    assert str(on_sqlite).endswith("WHERE rows.id = ?")
    assert HistoryActivity.__table__.c.id.type.compile(_PG) == "UUID"
    assert HistoryActivity.__table__.c.id.type.compile(sqlite.dialect()) == "VARCHAR(36)"


@pytest.mark.parametrize("given", MALFORMED)
def test_a_malformed_id_is_never_written(given):
    """Not stored in another form (PostgreSQL's uuid would read "{…}" or upper case back lowercased)."""
    engine = create_engine("sqlite://")
    _ROWS.metadata.create_all(engine)
    with engine.begin() as conn, pytest.raises(StatementError, match="not a UUID's text"):
        conn.execute(_ROWS.insert(), [{"id": given}])
