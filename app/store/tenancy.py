"""Within a request served for a county's user, every statement on a case table names the county.

A province's case tables would be distributed by the county (`tenant_id`, docs/scaling.md): a statement that
names it runs on that county's shard alone. A county's user sees only cases of that county anyway (their org
scope), so the condition changes no answer; it is added here, in one place, to every ORM statement on a case
table (SQLAlchemy's `with_loader_criteria`) and by app/store/writes.py to a command's writes. A statement that
reads across counties on purpose (the household file's 一户一档 check) says so with
`execution_options(cross_county=True)`. Work outside requests (the scheduler, the CLI) and a province's users
have no county and no such condition.
"""

import functools
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, sessionmaker, with_loader_criteria

from app.domain.actors import Actor
from app.domain.orgs import tenant_of

from .scope import current_scope
from .tables import Base


@functools.cache
def _case_mappers() -> frozenset[Mapper[Any]]:
    def is_case_table(table: Any) -> bool:
        return "tenant_id" in table.c and ("process_instance_id" in table.c or table.name == "process_instance")

    return frozenset(m for m in Base.registry.mappers if is_case_table(m.local_table))


def serving_county() -> str | None:
    """The county of the user the current request serves, if any."""
    scope = current_scope()
    return None if scope is None else scope.county


def _name_the_county(state: ORMExecuteState) -> None:
    county = serving_county()
    if county is None or state.execution_options.get("cross_county") or state.is_column_load \
            or state.is_relationship_load or not (state.is_select or state.is_update or state.is_delete):
        return
    cases = _case_mappers()
    for mapper in state.all_mappers:
        if mapper in cases:
            state.statement = state.statement.options(_county_criteria(mapper.class_, county))


_criteria: dict[tuple[Any, str], Any] = {}  # (case model, county) -> its condition; as many as counties × case tables


def _county_criteria(model: Any, county: str) -> Any:
    """The condition naming `county` on `model`'s statements, built once per table and county: building it (a lambda
    SQLAlchemy analyses) cost a county user's statement about 0.3 ms."""
    found = _criteria.get((model, county))
    if found is None:
        found = _criteria.setdefault((model, county), with_loader_criteria(
            model, lambda cls: cls.tenant_id == county, include_aliases=True))
    return found


def name_the_county(session_factory: sessionmaker[Session]) -> None:
    """Add the county condition to the ORM statements of `session_factory`'s sessions."""
    event.listen(session_factory, "do_orm_execute", _name_the_county)


def in_scope(model: Any, actor: Actor) -> Any:
    """The rows of `model` the actor's org scope covers; on a case table, for a county's user, also by the county
    (the same rows: a county's units all lie in it), so that the statement names it."""
    condition = model.org_path.like(actor.scope.like_pattern)
    county = None if actor.trusted else tenant_of(actor.org_path)
    if county is not None and "tenant_id" in model.__table__.c and model.__table__.name in _case_tables():
        condition = condition & (model.tenant_id == county)
    return condition


@functools.cache
def _case_tables() -> frozenset[str]:
    return frozenset(str(getattr(m.local_table, "name", "")) for m in _case_mappers())
