"""The one write path of a command (app/store/writes.py): rows completed from the table definitions, upserts built
from the primary key, a case started in the same statement as everything written with it. Each test rolls back."""

import uuid

import pytest
from sqlalchemy import select

from app.store.tables import ProcessInstance, User
from app.store.writes import Writes
from tests.conftest import typed


@pytest.fixture
def session(runtime):
    with runtime.unit_of_work() as uow:  # never committed: rolled back on leaving
        yield uow.session


def _user(name: str, **values) -> dict:
    return {"username": name, "display_name": name, "password_hash": "-", "org_path": "/test/", **values}


def test_a_column_with_a_function_as_default_gets_a_new_value_of_it(session):
    first, second = f"w-{uuid.uuid4().hex[:8]}", f"w-{uuid.uuid4().hex[:8]}"
    with Writes(session) as writes:
        writes.insert(User.__table__, [_user(first), _user(second)])
    groups = dict(session.execute(select(User.username, User.groups).where(User.username.in_([first, second]))).all())
    assert groups == {first: [], second: []}  # the column's `default=list`, not NULL
    assert session.scalar(select(User.active).where(User.username == first)) is True  # a plain default too


def test_an_upsert_sets_only_the_named_columns_of_a_row_that_exists(session):
    name = f"w-{uuid.uuid4().hex[:8]}"
    with Writes(session) as writes:
        writes.insert(User.__table__, [_user(name, groups=["village"])])
    user_id = session.scalar(select(User.id).where(User.username == name))
    with Writes(session) as writes:
        writes.upsert(User.__table__, [{**_user(name, display_name="改名", groups=["township"]), "id": user_id}],
                      ("display_name",))
    row = session.execute(select(User.display_name, User.groups).where(User.id == user_id)).one()
    assert tuple(row) == ("改名", ["village"])


def test_the_case_version_is_the_only_lock(session):
    assert ProcessInstance.__mapper__.version_id_col is None  # the ORM adds no second one


def test_a_started_case_is_written_with_its_event_in_one_write(runtime, login_as, monkeypatch):
    added = []
    add_case = Writes.add_case
    monkeypatch.setattr(Writes, "add_case", lambda self, table, row: added.append(row) or add_case(self, table, row))
    key = f"W-{uuid.uuid4().hex[:8]}"
    response = login_as("window_hd").post("/process-definition/key/dibao/start",
                                          {"businessKey": key, "variables": typed(village="hedong2")})
    assert response.status_code == 200, response.json
    (row,) = added
    assert row["business_key"] == key and row["version"] == 1 and row["last_event_hash"]
    with runtime.reading() as uow:
        stored = uow.session.get(ProcessInstance, response.json["id"])
        assert (stored.version, stored.last_event_hash, stored.suspended) == (1, row["last_event_hash"], False)
