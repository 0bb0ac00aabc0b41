"""Read the engine API's lists: one table of lists, each naming the Camunda parameters it honours."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.actors import Actor
from app.domain.kept import Kept
from app.store.event_lists import USER_OPERATIONS
from app.store.history_lists import ACTIVITIES, HISTORY_INCIDENTS, HISTORY_INSTANCES, HISTORY_TASKS, JOB_LOG
from app.store.listing import Listing
from app.store.repository_lists import DEPLOYMENTS, EVENT_SUBSCRIPTIONS, USERS
from app.store.runtime_lists import DEFINITIONS, EXECUTIONS, EXTERNAL_TASKS, INCIDENTS, INSTANCES, JOBS, TASKS

from .decision_list import DECISION_DEFINITIONS, RowListing
from .runtime import Runtime

LISTS: dict[str, Listing | RowListing] = {
    "task": TASKS, "process-instance": INSTANCES, "job": JOBS, "incident": INCIDENTS,
    "process-definition": DEFINITIONS, "history/process-instance": HISTORY_INSTANCES,
    "history/activity-instance": ACTIVITIES, "history/task": HISTORY_TASKS, "external-task": EXTERNAL_TASKS,
    "deployment": DEPLOYMENTS, "event-subscription": EVENT_SUBSCRIPTIONS, "user": USERS,
    "history/user-operation": USER_OPERATIONS, "execution": EXECUTIONS,
    "decision-definition": DECISION_DEFINITIONS, "history/incident": HISTORY_INCIDENTS, "history/job-log": JOB_LOG,
}


@dataclass(frozen=True)
class ListQuery:
    """What a client asked of a list: filters, sorting ((sortBy, sortOrder) pairs) and the page."""

    name: str
    params: Mapping[str, Any]
    sorting: tuple[tuple[str, str], ...] = ()
    first: int = 0
    limit: int | None = None


def parameters(name: str) -> dict[str, str]:
    """The parameters list `name` honours, each with its kind (string, strings, boolean, integer, datetime…)."""
    return LISTS[name].parameters()


def sort_keys(name: str) -> list[str]:
    return list(LISTS[name].sorts)


def _allowed(actor: Actor, listing: Listing | RowListing) -> None:
    if isinstance(listing, Listing) and listing.permission:
        actor.require(listing.permission)


# statements of pages asked again (a Tasklist client asks for the same page of its inbox all day)
_pages = Kept[tuple, Any](512)


def _page_key(actor: Actor, query: ListQuery) -> tuple | None:
    """What a page's statement is built from: the actor (its name, unit and groups), the parameters, the sorting and
    the page; None if a value cannot be a key (a list of comparisons, say)."""
    params = tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in query.params.items()))
    key = (query.name, actor, params, query.sorting, query.first, query.limit)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def page_statement(listing: Listing, actor: Actor, query: ListQuery) -> Any:
    """The statement of one page; that of a list whose statement depends on nothing else is kept (the last
    512) and used again: building it costs a Tasklist client's inbox request about as much as running it."""
    key = _page_key(actor, query) if listing.reusable else None
    build = lambda: listing.page(actor, query.params, query.sorting, query.first, query.limit)  # noqa: E731
    return build() if key is None else _pages.made(key, build)


def list_rows(rt: Runtime, actor: Actor, query: ListQuery) -> list:
    """Return one page of the list, as rows of its table (or of its selected columns)."""
    listing = LISTS[query.name]
    _allowed(actor, listing)
    if isinstance(listing, RowListing):  # its rows say who may read them
        rows = listing.select(rt, actor, query.params, query.sorting)[query.first:]
        return rows if query.limit is None else rows[:query.limit]
    statement = page_statement(listing, actor, query)
    with rt.reading() as uow:
        result = uow.session.execute(statement)
        return list(result if listing.columns else result.scalars())


def count_rows(rt: Runtime, actor: Actor, query: ListQuery) -> int:
    listing = LISTS[query.name]
    _allowed(actor, listing)
    if isinstance(listing, RowListing):
        return len(listing.select(rt, actor, query.params))
    with rt.reading() as uow:
        return uow.session.scalar(listing.count(actor, query.params))
