"""A list of the engine API as a table: the parameters it honours, each with the SQL condition it adds.

Camunda's lists take dozens of filters; a list here names every filter it honours and what it
does, so the API refuses every other parameter (tests/e2e/test_camunda_parameters.py walks
Camunda's own OpenAPI document over them).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, func, select, true

from app.domain.actors import Actor
from app.domain.errors import ValidationFailed
from app.domain.orgs import tenant_of

# the parsed value of a parameter -> a condition on the list's rows, or None for "no condition"
Condition = Callable[[Any], Any]


@dataclass(frozen=True)
class Filter:
    kind: str  # string | strings (a comma list, or an array in a POST query) | boolean | integer | datetime
    where: Condition
    widened_by: tuple[str, Any] | None = None  # (a flag, a condition): the flag set, rows meeting it also match
    # a flag that, set, replaces this filter (Camunda's query keeps the later of two calls, and its REST API makes
    # the flag's the later); with `refused_with_it`, the pair is refused instead, as Camunda's query refuses it
    yields_to: str | None = None
    refused_with_it: bool = False

    def condition(self, name: str, value: Any, params: Mapping[str, Any]) -> Any:
        """The condition `value` of parameter `name` adds, given every parameter; None for none."""
        if value is None:
            return None
        if self.yields_to and params.get(self.yields_to):
            if self.refused_with_it:
                raise ValidationFailed(f"{name} 与 {self.yields_to} 不能同时给出（Camunda 拒绝这样的查询）", field=name,
                                       errors=[{"field": key, "message": "不能与另一个同时给出"}
                                               for key in (name, self.yields_to)])
            return None
        condition = self.where(value)
        if condition is not None and self.widened_by and params.get(self.widened_by[0]):
            condition = condition | self.widened_by[1]
        return condition


def equal(column: Any) -> Filter:
    return Filter("string", lambda v: column == v)


def one_of(column: Any) -> Filter:
    return Filter("strings", lambda v: column.in_(v))


def none_of(column: Any) -> Filter:
    return Filter("strings", lambda v: column.is_(None) | column.not_in(v))


def like(column: Any) -> Filter:
    """SQL LIKE with the value as given (`%` and `_` are the caller's wildcards, as in Camunda)."""
    return Filter("string", lambda v: column.like(v))


def not_like(column: Any) -> Filter:
    return Filter("string", lambda v: column.is_(None) | column.not_like(v))


def number(column: Any, compare: Callable[[Any, Any], Any] = lambda c, v: c == v) -> Filter:
    return Filter("integer", lambda v: compare(column, v))


def moment(column: Any, compare: Callable[[Any, Any], Any]) -> Filter:
    return Filter("datetime", lambda v: compare(column, v))


def when_true(condition: Any) -> Filter:
    """A flag Camunda defines as "only …": true adds the condition, false adds none."""
    return Filter("boolean", lambda v: condition if v else None)


def never(kind: str = "string") -> Filter:
    """An attribute no row here has (tenants, CMMN cases): any value selects nothing."""
    return Filter(kind, lambda v: false())


def never_when_true() -> Filter:
    return when_true(false())


EVERY_ROW = Filter("boolean", lambda v: None)  # a flag every row here satisfies (e.g. rootProcessInstances)


def tenants(column: Any, include_without: str | None = None, refuse_both: bool = False) -> dict[str, Filter]:
    """Camunda's tenant filters on a tenant column (the county's code; NULL: shared): `tenantIdIn`,
    `withoutTenantId`, and the list's flag that adds the rows without a tenant to `tenantIdIn`'s. Given both,
    `withoutTenantId` wins, as in Camunda (only the rows without a tenant), or with `refuse_both` the two are
    refused together, as Camunda's task query does."""
    filters = {"tenantIdIn": Filter("strings", lambda v: column.in_(v),
                                    (include_without, column.is_(None)) if include_without else None,
                                    "withoutTenantId", refuse_both),
               "withoutTenantId": when_true(column.is_(None))}
    if include_without:
        filters[include_without] = Filter("boolean", lambda v: None)  # read by tenantIdIn
    return filters


def conditions(filters: Mapping[str, Filter], params: Mapping[str, Any]) -> list[Any]:
    """The conditions `params` add through `filters` (a parameter none of them reads adds none)."""
    found = (filters[name].condition(name, value, params) for name, value in params.items() if name in filters)
    return [condition for condition in found if condition is not None]


@dataclass(frozen=True)
class Listing:
    """One list: the rows an actor may see, the filters and sort keys it honours, its final order."""

    base: Callable[[Actor], Select[Any]]
    filters: Mapping[str, Filter]
    sorts: Mapping[str, Any]  # Camunda's sortBy value -> column (None: every row has the same value, e.g. no tenant)
    order: tuple[Any, ...]  # the order after the requested sorting, ending in a unique column so pages are stable
    columns: tuple[Any, ...] = ()  # select only these columns (a list read often), else whole rows
    permission: str | None = None  # needed to read the list at all
    extra: Callable[[Mapping[str, Any]], Any] | None = None  # a condition that reads several parameters together
    # its statement depends on the actor and the parameters alone (no filter reads the clock): a page's statement
    # may be built once and used again (tests/unit/test_list_statements.py holds it to that)
    reusable: bool = False

    def parameters(self) -> dict[str, str]:
        return {name: f.kind for name, f in self.filters.items()}

    def query(self, actor: Actor, params: Mapping[str, Any], sorting: Sequence[tuple[str, str]] = ()) -> Select[Any]:
        """The rows of `actor`, filtered by `params` and ordered by `sorting` ((sortBy, sortOrder) pairs)."""
        query = self.base(actor).where(*conditions(self.filters, params))
        combined = self.extra(params) if self.extra else None
        if combined is not None:
            query = query.where(combined)
        keys = [self.sorts[by].desc() if how == "desc" else self.sorts[by].asc()
                for by, how in sorting if self.sorts[by] is not None]
        return query.order_by(*keys, *self.order)

    def page(self, actor: Actor, params: Mapping[str, Any], sorting: Any, first: int, limit: int | None) -> Select[Any]:
        query = self.query(actor, params, sorting).offset(first)
        if limit is not None:
            query = query.limit(limit)
        return query.with_only_columns(*self.columns) if self.columns else query

    def count(self, actor: Actor, params: Mapping[str, Any]) -> Select[Any]:
        return select(func.count()).select_from(self.query(actor, params).order_by(None).subquery())


def visible_tenant(actor: Actor, column: Any) -> Any:
    """Rows shared by every county (no tenant), and a county's own rows for its users; the province sees all."""
    own = tenant_of(actor.org_path)
    return true() if own is None else (column.is_(None) | (column == own))
