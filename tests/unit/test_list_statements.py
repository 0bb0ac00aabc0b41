"""A list whose page statements are kept and used again (app/services/lists.py) builds them from the actor and the
parameters alone: no filter of it may read the clock, or a kept statement would hold the time it was built at."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.dialects import postgresql

from app.domain import clock
from app.domain.actors import Actor
from app.services.lists import LISTS, ListQuery, page_statement
from app.store.listing import Listing

SAMPLES = {"string": "x%", "strings": ["x", "y"], "boolean": True, "integer": 7,
           "datetime": datetime(2026, 9, 1, tzinfo=UTC)}
ACTOR = Actor("window_cg", "/sfx/cg/", frozenset({"window"}))
REUSABLE = [name for name, listing in LISTS.items() if isinstance(listing, Listing) and listing.reusable]


def _compiled(listing: Listing, params: dict, at: datetime) -> tuple[str, dict]:
    clock.set_source(lambda: at)
    try:
        compiled = listing.page(ACTOR, params, (), 0, 50).compile(dialect=postgresql.dialect())
    finally:
        clock.set_source(None)
    return str(compiled), compiled.params


def test_the_task_list_is_kept():
    assert "task" in REUSABLE


@pytest.mark.parametrize("name", REUSABLE)
def test_no_filter_of_a_kept_list_reads_the_clock(name):
    listing = LISTS[name]
    assert isinstance(listing, Listing)
    now = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)
    for parameter, kind in listing.parameters().items():
        assert kind in SAMPLES, f"{name}.{parameter}: no sample value for a {kind} parameter"
        params = {parameter: SAMPLES[kind]}
        assert _compiled(listing, params, now) == _compiled(listing, params, now + timedelta(days=400)), parameter


def test_a_page_statement_is_kept_for_one_actor_and_one_query():
    listing = LISTS["task"]
    assert isinstance(listing, Listing)
    query = ListQuery("task", {"candidateGroup": "window", "taskDefinitionKey": "accept"}, (("created", "asc"),),
                      0, 15)
    first = page_statement(listing, ACTOR, query)
    assert page_statement(listing, ACTOR, query) is first
    assert page_statement(listing, ACTOR, ListQuery("task", dict(query.params), query.sorting, 0, 15)) is first
    # another user, the same user in another unit or with other groups, another page: a statement of its own
    others = [(Actor("window_hd", "/sfx/hd/", frozenset({"window"})), query),
              (Actor("window_cg", "/sfx/hd/", frozenset({"window"})), query),
              (Actor("window_cg", "/sfx/cg/", frozenset({"window", "investigator"})), query),
              (ACTOR, ListQuery("task", {**query.params, "taskDefinitionKey": "payment"}, query.sorting, 0, 15)),
              (ACTOR, ListQuery("task", dict(query.params), query.sorting, 15, 15))]
    for actor, other in others:
        assert page_statement(listing, actor, other) is not first
